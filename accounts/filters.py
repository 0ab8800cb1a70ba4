import django_filters
from django.db.models import Q

from accounts.models import Person


class PersonFilter(django_filters.FilterSet):
    team = django_filters.CharFilter(field_name="team__name", lookup_expr="iexact")
    manager = django_filters.NumberFilter(field_name="manager_id")
    search = django_filters.CharFilter(method="filter_search", label="Name or email contains")

    class Meta:
        model = Person
        fields = ["team", "manager", "search"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(email__icontains=value))
