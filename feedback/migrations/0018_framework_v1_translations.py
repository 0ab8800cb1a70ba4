"""Loads the German, French and Spanish texts of version 1 of the questionnaire (issue 18).

A frozen copy of feedback/framework_v1.TRANSLATIONS as it was when this migration was
written. Each text is added only where version 1 has no translation in that language yet,
matched by position: the wording of a used version never changes under a cycle.
"""

from django.db import migrations

# {language: {"items": [(rater_text, self_text), ...], "questions": [...]}} in survey order.
TRANSLATIONS = {'de': {'items': [('Zeichnet ein klares Bild davon, wohin sich das Team entwickelt und warum das '
                   'wichtig ist',
                   'Ich zeichne ein klares Bild davon, wohin sich mein Team entwickelt und warum '
                   'das wichtig ist'),
                  ('Zeigt anderen, dass eine ehrgeizige Vision Wirklichkeit werden kann',
                   'Ich zeige anderen, dass eine ehrgeizige Vision Wirklichkeit werden kann'),
                  ('Regt Menschen an, über ihre eigenen Aufgaben hinauszudenken und Teil von etwas '
                   'Größerem zu sein',
                   'Ich rege Menschen an, über ihre eigenen Aufgaben hinauszudenken und Teil von '
                   'etwas Größerem zu sein'),
                  ('Setzt dem Team klare, messbare Ziele',
                   'Ich setze meinem Team klare, messbare Ziele'),
                  ('Misst den Fortschritt an den gesetzten Zielen',
                   'Ich messe den Fortschritt an den gesetzten Zielen'),
                  ('Beurteilt Ergebnisse danach, ob sie die Erwartungen erfüllt oder übertroffen '
                   'haben',
                   'Ich beurteile Ergebnisse danach, ob sie die Erwartungen erfüllt oder '
                   'übertroffen haben'),
                  ('Sucht nach Wegen, Dinge besser zu machen',
                   'Ich suche nach Wegen, Dinge besser zu machen'),
                  ('Begrüßt Wandel, statt sich ihm zu widersetzen',
                   'Ich begrüße Wandel, statt mich ihm zu widersetzen'),
                  ('Denkt über den Tellerrand hinaus und ermutigt andere, es ebenso zu tun',
                   'Ich denke über den Tellerrand hinaus und ermutige andere, es ebenso zu tun'),
                  ('Bleibt bei Methoden, die sich bewährt haben',
                   'Ich bleibe bei Methoden, die sich bewährt haben'),
                  ('Hält sich eng an etablierte Prozesse und Abläufe',
                   'Ich halte mich eng an etablierte Prozesse und Abläufe'),
                  ('Erfindet das Rad nicht neu, wenn etwas bereits funktioniert',
                   'Ich erfinde das Rad nicht neu, wenn etwas bereits funktioniert'),
                  ('Probiert Neues aus, auch wenn es scheitern könnte',
                   'Ich probiere Neues aus, auch wenn es scheitern könnte'),
                  ('Sieht Misserfolge als Gelegenheit, zu lernen und sich weiterzuentwickeln',
                   'Ich sehe Misserfolge als Gelegenheit, zu lernen und mich weiterzuentwickeln'),
                  ('Geht Probleme direkt an', 'Ich gehe Probleme direkt an'),
                  ('Arbeitet darauf hin, Risiken vor dem Handeln zu minimieren',
                   'Ich arbeite darauf hin, Risiken vor dem Handeln zu minimieren'),
                  ('Sucht nach Wegen, Probleme zu vermeiden, bevor sie entstehen',
                   'Ich suche nach Wegen, Probleme zu vermeiden, bevor sie entstehen'),
                  ('Zieht sichere, bewährte Optionen unsicheren vor',
                   'Ich ziehe sichere, bewährte Optionen unsicheren vor'),
                  ('Baut vertrauensvolle Beziehungen zu den Menschen im Team auf',
                   'Ich baue vertrauensvolle Beziehungen zu den Menschen in meinem Team auf'),
                  ('Zeigt Verständnis für die Anliegen anderer Menschen',
                   'Ich zeige Verständnis für die Anliegen anderer Menschen'),
                  ('Hilft Menschen, ihre eigenen Ziele zu erreichen',
                   'Ich helfe Menschen, ihre eigenen Ziele zu erreichen'),
                  ('Baut Systeme und Prozesse auf, um Ziele zu erreichen',
                   'Ich baue Systeme und Prozesse auf, um Ziele zu erreichen'),
                  ('Richtet den Blick auf Ergebnisse und darauf, was nötig ist, um sie zu '
                   'erreichen',
                   'Ich richte den Blick auf Ergebnisse und darauf, was nötig ist, um sie zu '
                   'erreichen'),
                  ('Plant, organisiert und steuert die Arbeit des Teams',
                   'Ich plane, organisiere und steuere die Arbeit meines Teams'),
                  ('Ermutigt Menschen, selbst Antworten zu finden',
                   'Ich ermutige Menschen, selbst Antworten zu finden'),
                  ('Vertraut Menschen ihre Arbeit an, ohne sie im Detail zu kontrollieren',
                   'Ich vertraue Menschen ihre Arbeit an, ohne sie im Detail zu kontrollieren'),
                  ('Glaubt an das Potenzial von Menschen und möchte, dass sie Erfolg haben',
                   'Ich glaube an das Potenzial von Menschen und möchte, dass sie Erfolg haben'),
                  ('Verteilt Aufgaben und gibt Anleitung, wie sie zu erledigen sind',
                   'Ich verteile Aufgaben und gebe Anleitung, wie sie zu erledigen sind'),
                  ('Erwartet, dass Dinge auf eine bestimmte Weise erledigt werden',
                   'Ich erwarte, dass Dinge auf eine bestimmte Weise erledigt werden'),
                  ('Gibt genaue Anweisungen, statt Raum für eigenständiges Denken zu lassen',
                   'Ich gebe genaue Anweisungen, statt Raum für eigenständiges Denken zu lassen')],
        'questions': [('Was sollte diese Person weiterhin tun?', 'Was sollte ich weiterhin tun?'),
                      ('Was sollte diese Person neu beginnen oder anders machen?',
                       'Was sollte ich neu beginnen oder anders machen?'),
                      ('Möchten Sie noch etwas hinzufügen?', 'Möchte ich noch etwas hinzufügen?')]},
 'fr': {'items': [("Donne une image claire de la direction que prend l'équipe et de son importance",
                   'Je donne une image claire de la direction que prend mon équipe et de son '
                   'importance'),
                  ("Montre aux autres qu'une vision ambitieuse peut devenir réalité",
                   "Je montre aux autres qu'une vision ambitieuse peut devenir réalité"),
                  ('Incite les personnes à voir au-delà de leurs propres tâches et à faire partie '
                   'de quelque chose de plus grand',
                   "J'incite les personnes à voir au-delà de leurs propres tâches et à faire "
                   'partie de quelque chose de plus grand'),
                  ("Fixe à l'équipe des objectifs clairs et mesurables",
                   'Je fixe à mon équipe des objectifs clairs et mesurables'),
                  ('Mesure les progrès par rapport aux objectifs fixés',
                   'Je mesure les progrès par rapport aux objectifs fixés'),
                  ("Juge les résultats selon qu'ils ont atteint ou dépassé les attentes",
                   "Je juge les résultats selon qu'ils ont atteint ou dépassé les attentes"),
                  ("Cherche des moyens d'améliorer les choses",
                   "Je cherche des moyens d'améliorer les choses"),
                  ("Accueille le changement plutôt que d'y résister",
                   "J'accueille le changement plutôt que d'y résister"),
                  ('Sort des sentiers battus et encourage les autres à faire de même',
                   'Je sors des sentiers battus et encourage les autres à faire de même'),
                  ("S'en tient aux méthodes dont on sait qu'elles fonctionnent",
                   "Je m'en tiens aux méthodes dont on sait qu'elles fonctionnent"),
                  ('Suit de près les processus et les routines établis',
                   'Je suis de près les processus et les routines établis'),
                  ('Évite de réinventer la roue quand quelque chose fonctionne déjà',
                   "J'évite de réinventer la roue quand quelque chose fonctionne déjà"),
                  ('Essaie de nouvelles choses, même quand elles pourraient échouer',
                   "J'essaie de nouvelles choses, même quand elles pourraient échouer"),
                  ("Considère l'échec comme une occasion d'apprendre et de progresser",
                   "Je considère l'échec comme une occasion d'apprendre et de progresser"),
                  ("S'attaque aux problèmes de front", "Je m'attaque aux problèmes de front"),
                  ("S'efforce de minimiser les risques avant d'agir",
                   "Je m'efforce de minimiser les risques avant d'agir"),
                  ("Cherche des moyens d'éviter les problèmes avant qu'ils ne surviennent",
                   "Je cherche des moyens d'éviter les problèmes avant qu'ils ne surviennent"),
                  ('Préfère les options sûres et éprouvées aux options incertaines',
                   'Je préfère les options sûres et éprouvées aux options incertaines'),
                  ("Construit des relations de confiance avec les personnes de l'équipe",
                   'Je construis des relations de confiance avec les personnes de mon équipe'),
                  ("Fait preuve d'empathie envers les préoccupations des autres",
                   "Je fais preuve d'empathie envers les préoccupations des autres"),
                  ('Aide les personnes à atteindre leurs propres objectifs',
                   "J'aide les personnes à atteindre leurs propres objectifs"),
                  ('Met en place des systèmes et des processus pour atteindre les objectifs',
                   'Je mets en place des systèmes et des processus pour atteindre les objectifs'),
                  ("Reste centré sur les résultats et sur ce qu'il faut pour les atteindre",
                   "Je reste centré sur les résultats et sur ce qu'il faut pour les atteindre"),
                  ("Planifie, organise et contrôle le travail de l'équipe",
                   'Je planifie, organise et contrôle le travail de mon équipe'),
                  ('Encourage les personnes à trouver les réponses par elles-mêmes',
                   "J'encourage les personnes à trouver les réponses par elles-mêmes"),
                  ('Fait confiance aux personnes pour faire leur travail sans les microgérer',
                   'Je fais confiance aux personnes pour faire leur travail sans les microgérer'),
                  ("Croit au potentiel des personnes et veut qu'elles réussissent",
                   "Je crois au potentiel des personnes et veux qu'elles réussissent"),
                  ('Attribue les tâches et indique comment les accomplir',
                   "J'attribue les tâches et indique comment les accomplir"),
                  ("Attend que les choses soient faites d'une certaine manière",
                   "J'attends que les choses soient faites d'une certaine manière"),
                  ('Donne des instructions précises plutôt que de laisser place à la réflexion '
                   'autonome',
                   'Je donne des instructions précises plutôt que de laisser place à la réflexion '
                   'autonome')],
        'questions': [('Que devrait continuer à faire cette personne ?',
                       'Que devrais-je continuer à faire ?'),
                      ('Que devrait commencer à faire cette personne, ou faire différemment ?',
                       'Que devrais-je commencer à faire, ou faire différemment ?'),
                      ('Souhaitez-vous ajouter autre chose ?',
                       'Souhaiterais-je ajouter autre chose ?')]},
 'es': {'items': [('Transmite una imagen clara de hacia dónde se dirige el equipo y por qué es '
                   'importante',
                   'Transmito una imagen clara de hacia dónde se dirige mi equipo y por qué es '
                   'importante'),
                  ('Muestra a los demás que una visión ambiciosa puede hacerse realidad',
                   'Muestro a los demás que una visión ambiciosa puede hacerse realidad'),
                  ('Inspira a las personas a pensar más allá de sus propias tareas y a formar '
                   'parte de algo más grande',
                   'Inspiro a las personas a pensar más allá de sus propias tareas y a formar '
                   'parte de algo más grande'),
                  ('Fija objetivos claros y medibles para el equipo',
                   'Fijo objetivos claros y medibles para mi equipo'),
                  ('Mide el progreso respecto a los objetivos fijados',
                   'Mido el progreso respecto a los objetivos fijados'),
                  ('Juzga los resultados según hayan cumplido o superado las expectativas',
                   'Juzgo los resultados según hayan cumplido o superado las expectativas'),
                  ('Busca maneras de mejorar las cosas', 'Busco maneras de mejorar las cosas'),
                  ('Acoge el cambio en lugar de resistirse a él',
                   'Acojo el cambio en lugar de resistirme a él'),
                  ('Piensa de forma innovadora y anima a los demás a hacer lo mismo',
                   'Pienso de forma innovadora y animo a los demás a hacer lo mismo'),
                  ('Se queda con los métodos que se sabe que funcionan',
                   'Me quedo con los métodos que se sabe que funcionan'),
                  ('Sigue de cerca los procesos y rutinas establecidos',
                   'Sigo de cerca los procesos y rutinas establecidos'),
                  ('Evita reinventar la rueda cuando algo ya funciona',
                   'Evito reinventar la rueda cuando algo ya funciona'),
                  ('Prueba cosas nuevas, aunque puedan fracasar',
                   'Pruebo cosas nuevas, aunque puedan fracasar'),
                  ('Considera el fracaso una oportunidad para aprender y crecer',
                   'Considero el fracaso una oportunidad para aprender y crecer'),
                  ('Afronta los problemas de frente', 'Afronto los problemas de frente'),
                  ('Trabaja para minimizar los riesgos antes de actuar',
                   'Trabajo para minimizar los riesgos antes de actuar'),
                  ('Busca maneras de evitar los problemas antes de que surjan',
                   'Busco maneras de evitar los problemas antes de que surjan'),
                  ('Prefiere opciones seguras y probadas a las inciertas',
                   'Prefiero opciones seguras y probadas a las inciertas'),
                  ('Construye relaciones de confianza con las personas del equipo',
                   'Construyo relaciones de confianza con las personas de mi equipo'),
                  ('Muestra empatía ante las preocupaciones de los demás',
                   'Muestro empatía ante las preocupaciones de los demás'),
                  ('Ayuda a las personas a alcanzar sus propios objetivos',
                   'Ayudo a las personas a alcanzar sus propios objetivos'),
                  ('Establece sistemas y procesos para alcanzar los objetivos',
                   'Establezco sistemas y procesos para alcanzar los objetivos'),
                  ('Mantiene el foco en los resultados y en lo que hace falta para lograrlos',
                   'Mantengo el foco en los resultados y en lo que hace falta para lograrlos'),
                  ('Planifica, organiza y controla el trabajo del equipo',
                   'Planifico, organizo y controlo el trabajo de mi equipo'),
                  ('Anima a las personas a encontrar las respuestas por sí mismas',
                   'Animo a las personas a encontrar las respuestas por sí mismas'),
                  ('Confía en que las personas hagan su trabajo sin supervisarlas en exceso',
                   'Confío en que las personas hagan su trabajo sin supervisarlas en exceso'),
                  ('Es optimista sobre el potencial de las personas y quiere que tengan éxito',
                   'Soy optimista sobre el potencial de las personas y quiero que tengan éxito'),
                  ('Asigna tareas y orienta sobre cómo llevarlas a cabo',
                   'Asigno tareas y oriento sobre cómo llevarlas a cabo'),
                  ('Espera que las cosas se hagan de una manera determinada',
                   'Espero que las cosas se hagan de una manera determinada'),
                  ('Da instrucciones precisas en lugar de dejar espacio al pensamiento '
                   'independiente',
                   'Doy instrucciones precisas en lugar de dejar espacio al pensamiento '
                   'independiente')],
        'questions': [('¿Qué debería seguir haciendo esta persona?',
                       '¿Qué debería seguir haciendo?'),
                      ('¿Qué debería empezar a hacer esta persona, o hacer de otra manera?',
                       '¿Qué debería empezar a hacer, o hacer de otra manera?'),
                      ('¿Desea añadir algo más?', '¿Deseo añadir algo más?')]}}


def load(apps, schema_editor):
    Framework = apps.get_model("feedback", "Framework")
    ItemTranslation = apps.get_model("feedback", "ItemTranslation")
    QuestionTranslation = apps.get_model("feedback", "QuestionTranslation")
    framework = Framework.objects.filter(version=1).first()
    if framework is None:
        return
    items = {item.position: item for item in framework.items.all()}
    questions = {question.position: question for question in framework.questions.all()}
    for language, texts in TRANSLATIONS.items():
        done_items = set(
            ItemTranslation.objects.filter(item__framework=framework, language=language)
            .values_list("item__position", flat=True)
        )
        ItemTranslation.objects.bulk_create(
            ItemTranslation(item=items[p], language=language, rater_text=r, self_text=s)
            for p, (r, s) in enumerate(texts["items"], start=1)
            if p in items and p not in done_items
        )
        done_questions = set(
            QuestionTranslation.objects.filter(question__framework=framework, language=language)
            .values_list("question__position", flat=True)
        )
        QuestionTranslation.objects.bulk_create(
            QuestionTranslation(question=questions[p], language=language, rater_text=r, self_text=s)
            for p, (r, s) in enumerate(texts["questions"], start=1)
            if p in questions and p not in done_questions
        )


def unload(apps, schema_editor):
    apps.get_model("feedback", "ItemTranslation").objects.filter(item__framework__version=1).delete()
    apps.get_model("feedback", "QuestionTranslation").objects.filter(
        question__framework__version=1
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0017_questionnaire_translations")]

    operations = [migrations.RunPython(load, unload)]
