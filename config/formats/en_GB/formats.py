# British English dates as the pages and messages always wrote them: the month in full
# ("20 November 2026"); Django's own en_GB abbreviates it. Every other format is Django's.
DATE_FORMAT = "j F Y"
