"""Loads version 1 of the questionnaire.

A frozen copy of feedback/framework_v1.py as it was when this migration was written:
later edits to that module must never change what this migration created.
"""

from django.db import migrations

NAME = "Leadership and management, version 1"

# (position, behaviour, pole, rater_text, self_text)
ITEMS = [
    (
        1,
        "vision",
        "leadership",
        "Paints a clear picture of where the team is heading and why it matters",
        "I paint a clear picture of where my team is heading and why it matters",
    ),
    (
        2,
        "vision",
        "leadership",
        "Shows others that an ambitious vision can become reality",
        "I show others that an ambitious vision can become reality",
    ),
    (
        3,
        "vision",
        "leadership",
        "Inspires people to think beyond their own tasks and be part of something bigger",
        "I inspire people to think beyond their own tasks and be part of something bigger",
    ),
    (
        4,
        "vision",
        "management",
        "Sets clear, measurable goals for the team",
        "I set clear, measurable goals for my team",
    ),
    (
        5,
        "vision",
        "management",
        "Measures progress against the goals that were set",
        "I measure progress against the goals that were set",
    ),
    (
        6,
        "vision",
        "management",
        "Judges results by whether they met or exceeded expectations",
        "I judge results by whether they met or exceeded expectations",
    ),
    (
        7,
        "change",
        "leadership",
        "Looks for ways to make things better",
        "I look for ways to make things better",
    ),
    (
        8,
        "change",
        "leadership",
        "Embraces change rather than resisting it",
        "I embrace change rather than resisting it",
    ),
    (
        9,
        "change",
        "leadership",
        "Thinks outside the box and encourages others to do the same",
        "I think outside the box and encourage others to do the same",
    ),
    (
        10,
        "change",
        "management",
        "Sticks with methods that are known to work",
        "I stick with methods that are known to work",
    ),
    (
        11,
        "change",
        "management",
        "Follows established processes and routines closely",
        "I follow established processes and routines closely",
    ),
    (
        12,
        "change",
        "management",
        "Avoids reinventing the wheel when something already works",
        "I avoid reinventing the wheel when something already works",
    ),
    (
        13,
        "risk",
        "leadership",
        "Tries new things, even when they might fail",
        "I try new things, even when they might fail",
    ),
    (
        14,
        "risk",
        "leadership",
        "Treats failure as an opportunity to learn and grow",
        "I treat failure as an opportunity to learn and grow",
    ),
    (15, "risk", "leadership", "Tackles problems head on", "I tackle problems head on"),
    (
        16,
        "risk",
        "management",
        "Works to minimise risk before acting",
        "I work to minimise risk before acting",
    ),
    (
        17,
        "risk",
        "management",
        "Looks for ways to avoid problems before they arise",
        "I look for ways to avoid problems before they arise",
    ),
    (
        18,
        "risk",
        "management",
        "Prefers safe, proven options over uncertain ones",
        "I prefer safe, proven options over uncertain ones",
    ),
    (
        19,
        "people",
        "leadership",
        "Builds trusting relationships with the people in the team",
        "I build trusting relationships with the people in my team",
    ),
    (
        20,
        "people",
        "leadership",
        "Shows empathy for other people's concerns",
        "I show empathy for other people's concerns",
    ),
    (
        21,
        "people",
        "leadership",
        "Helps people reach their own goals",
        "I help people reach their own goals",
    ),
    (
        22,
        "people",
        "management",
        "Puts systems and processes in place to achieve goals",
        "I put systems and processes in place to achieve goals",
    ),
    (
        23,
        "people",
        "management",
        "Keeps the focus on results and what it takes to achieve them",
        "I keep the focus on results and what it takes to achieve them",
    ),
    (
        24,
        "people",
        "management",
        "Plans, organises and controls the team's work",
        "I plan, organise and control my team's work",
    ),
    (
        25,
        "development",
        "leadership",
        "Encourages people to find answers on their own",
        "I encourage people to find answers on their own",
    ),
    (
        26,
        "development",
        "leadership",
        "Trusts people to do their work without micromanaging them",
        "I trust people to do their work without micromanaging them",
    ),
    (
        27,
        "development",
        "leadership",
        "Is optimistic about people's potential and wants them to succeed",
        "I am optimistic about people's potential and want them to succeed",
    ),
    (
        28,
        "development",
        "management",
        "Assigns tasks and gives guidance on how to accomplish them",
        "I assign tasks and give guidance on how to accomplish them",
    ),
    (
        29,
        "development",
        "management",
        "Expects things to be done a certain way",
        "I expect things to be done a certain way",
    ),
    (
        30,
        "development",
        "management",
        "Gives precise instructions rather than leaving room for independent thinking",
        "I give precise instructions rather than leaving room for independent thinking",
    ),
]

# (position, rater_text, self_text)
QUESTIONS = [
    (1, "What should this person keep doing?", "What should I keep doing?"),
    (
        2,
        "What should this person start doing, or do differently?",
        "What should I start doing, or do differently?",
    ),
    (3, "Anything else you would like to add?", "Anything else I would like to add?"),
]


def load(apps, schema_editor):
    Framework = apps.get_model("feedback", "Framework")
    Item = apps.get_model("feedback", "Item")
    Question = apps.get_model("feedback", "Question")
    if Framework.objects.filter(version=1).exists():
        return
    framework = Framework.objects.create(version=1, name=NAME)
    Item.objects.bulk_create(
        Item(framework=framework, position=p, behaviour=b, pole=pole, rater_text=r, self_text=s)
        for p, b, pole, r, s in ITEMS
    )
    Question.objects.bulk_create(
        Question(framework=framework, position=p, rater_text=r, self_text=s)
        for p, r, s in QUESTIONS
    )


def unload(apps, schema_editor):
    apps.get_model("feedback", "Framework").objects.filter(version=1, cycles=None).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
