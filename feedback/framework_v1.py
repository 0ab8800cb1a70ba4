"""Version 1 of the questionnaire, from the seed article "Management vs. Leadership".

Five behaviours, each with a leadership pole and a management pole, three observable
statements per pole. The data migration 0002 holds a frozen copy of this content: edit the
questionnaire by creating a new version in the admin, never by changing history here.
"""

NAME = "Leadership and management, version 1"

# (behaviour, pole, [(rater_text, self_text), ...]) in survey order.
ITEMS = [
    (
        "vision",
        "leadership",  # leaders are visionaries
        [
            (
                "Paints a clear picture of where the team is heading and why it matters",
                "I paint a clear picture of where my team is heading and why it matters",
            ),
            (
                "Shows others that an ambitious vision can become reality",
                "I show others that an ambitious vision can become reality",
            ),
            (
                "Inspires people to think beyond their own tasks and be part of something bigger",
                "I inspire people to think beyond their own tasks and be part of something bigger",
            ),
        ],
    ),
    (
        "vision",
        "management",  # managers are goal setters
        [
            (
                "Sets clear, measurable goals for the team",
                "I set clear, measurable goals for my team",
            ),
            (
                "Measures progress against the goals that were set",
                "I measure progress against the goals that were set",
            ),
            (
                "Judges results by whether they met or exceeded expectations",
                "I judge results by whether they met or exceeded expectations",
            ),
        ],
    ),
    (
        "change",
        "leadership",  # leaders are innovators
        [
            (
                "Looks for ways to make things better",
                "I look for ways to make things better",
            ),
            (
                "Embraces change rather than resisting it",
                "I embrace change rather than resisting it",
            ),
            (
                "Thinks outside the box and encourages others to do the same",
                "I think outside the box and encourage others to do the same",
            ),
        ],
    ),
    (
        "change",
        "management",  # managers stick with what works
        [
            (
                "Sticks with methods that are known to work",
                "I stick with methods that are known to work",
            ),
            (
                "Follows established processes and routines closely",
                "I follow established processes and routines closely",
            ),
            (
                "Avoids reinventing the wheel when something already works",
                "I avoid reinventing the wheel when something already works",
            ),
        ],
    ),
    (
        "risk",
        "leadership",  # leaders are risk takers
        [
            (
                "Tries new things, even when they might fail",
                "I try new things, even when they might fail",
            ),
            (
                "Treats failure as an opportunity to learn and grow",
                "I treat failure as an opportunity to learn and grow",
            ),
            (
                "Tackles problems head on",
                "I tackle problems head on",
            ),
        ],
    ),
    (
        "risk",
        "management",  # managers minimise risk
        [
            (
                "Works to minimise risk before acting",
                "I work to minimise risk before acting",
            ),
            (
                "Looks for ways to avoid problems before they arise",
                "I look for ways to avoid problems before they arise",
            ),
            (
                "Prefers safe, proven options over uncertain ones",
                "I prefer safe, proven options over uncertain ones",
            ),
        ],
    ),
    (
        "people",
        "leadership",  # leaders build relationships
        [
            (
                "Builds trusting relationships with the people in the team",
                "I build trusting relationships with the people in my team",
            ),
            (
                "Shows empathy for other people's concerns",
                "I show empathy for other people's concerns",
            ),
            (
                "Helps people reach their own goals",
                "I help people reach their own goals",
            ),
        ],
    ),
    (
        "people",
        "management",  # managers build systems and processes
        [
            (
                "Puts systems and processes in place to achieve goals",
                "I put systems and processes in place to achieve goals",
            ),
            (
                "Keeps the focus on results and what it takes to achieve them",
                "I keep the focus on results and what it takes to achieve them",
            ),
            (
                "Plans, organises and controls the team's work",
                "I plan, organise and control my team's work",
            ),
        ],
    ),
    (
        "development",
        "leadership",  # leaders coach
        [
            (
                "Encourages people to find answers on their own",
                "I encourage people to find answers on their own",
            ),
            (
                "Trusts people to do their work without micromanaging them",
                "I trust people to do their work without micromanaging them",
            ),
            (
                "Is optimistic about people's potential and wants them to succeed",
                "I am optimistic about people's potential and want them to succeed",
            ),
        ],
    ),
    (
        "development",
        "management",  # managers direct
        [
            (
                "Assigns tasks and gives guidance on how to accomplish them",
                "I assign tasks and give guidance on how to accomplish them",
            ),
            (
                "Expects things to be done a certain way",
                "I expect things to be done a certain way",
            ),
            (
                "Gives precise instructions rather than leaving room for independent thinking",
                "I give precise instructions rather than leaving room for independent thinking",
            ),
        ],
    ),
]

# (rater_text, self_text) in survey order.
QUESTIONS = [
    ("What should this person keep doing?", "What should I keep doing?"),
    (
        "What should this person start doing, or do differently?",
        "What should I start doing, or do differently?",
    ),
    ("Anything else you would like to add?", "Anything else I would like to add?"),
]
