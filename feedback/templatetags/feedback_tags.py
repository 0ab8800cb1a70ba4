"""Template tags for pages outside the feedback app that show feedback content: the home
page (an accounts template, and accounts sits below feedback) lists the surveys a person
was asked to answer without its view importing feedback."""

from django import template
from django.utils import timezone

from accounts.selectors import person_for_user
from feedback import selectors

register = template.Library()


@register.inclusion_tag("feedback/fragment_surveys_to_answer.html", takes_context=True)
def surveys_to_answer(context, heading_level: int = 2):
    person = person_for_user(context["request"].user)
    surveys = (
        [] if person is None else selectors.surveys_to_answer(person=person, now=timezone.now())
    )
    return {
        "surveys": surveys,
        "open_surveys": [survey for survey in surveys if survey["can_open"]],
        "heading_level": heading_level,
        "csrf_token": context.get("csrf_token"),
    }
