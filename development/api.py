"""Development plans in the API: thin views over ``development.services``.

A plan out of the caller's reach (someone else's unshared plan, a plan outside their line,
any plan for HR as HR) is not found (404), like a plan that does not exist.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import IsHR
from accounts.selectors import person_for_user
from core.api import ERROR_RESPONSES, ErrorSerializer
from core.errors import DomainError
from development import selectors, services
from development.serializers import (
    ActionSerializer,
    ActionUpdateSerializer,
    ActionWriteSerializer,
    CommentSerializer,
    CommentWriteSerializer,
    PlanCountsSerializer,
    PlanCreateSerializer,
    PlanSerializer,
    PlanUpdateSerializer,
)

WITH_CONFLICT = {**ERROR_RESPONSES, 409: ErrorSerializer}


class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PlanSerializer

    def get_queryset(self):
        return selectors.plans_with_details(
            selectors.plans_visible_to(user=self.request.user)
        ).order_by("-created_at", "-id")

    def _plan(self):
        return self.get_object()

    def _fresh(self, plan):
        return PlanSerializer(self.get_queryset().get(pk=plan.pk)).data

    @extend_schema(
        responses={200: PlanSerializer(many=True), **ERROR_RESPONSES},
        description="Your own plans and the plans people in your line share with you.",
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: PlanSerializer, **ERROR_RESPONSES})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=PlanCreateSerializer,
        responses={201: PlanSerializer, **WITH_CONFLICT},
        description="Start your plan: 1 to 3 focus behaviours (a pair and a pole each), "
        "optionally actions with due dates and the released report it comes from (one plan "
        "per report: 409). Private to you until you share it.",
    )
    def create(self, request, *args, **kwargs):
        body = PlanCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        person = person_for_user(request.user)
        if person is None:
            raise DomainError("Only people in the directory have a plan.", code="forbidden")
        plan = services.plan_create(
            subject=person,
            request_id=body.validated_data.get("request"),
            focus=[dict(f) for f in body.validated_data["focus"]],
            actions=[dict(a) for a in body.validated_data.get("actions", [])],
        )
        return Response(self._fresh(plan), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PlanUpdateSerializer,
        responses={200: PlanSerializer, **ERROR_RESPONSES},
        description="Replace the focus behaviours, or share the plan with your managers "
        "(shared: true) or stop sharing. The subject only (a manager: 403).",
    )
    def partial_update(self, request, *args, **kwargs):
        plan = self._plan()
        body = PlanUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "focus" in data:
            services.plan_focus_set(
                plan=plan, user=request.user, focus=[dict(f) for f in data["focus"]]
            )
        if "shared" in data:
            services.plan_share(plan=plan, user=request.user, shared=data["shared"])
        return Response(self._fresh(plan))

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="Deleted."), **ERROR_RESPONSES},
        description="Delete your plan with its actions and comments. The subject only.",
    )
    def destroy(self, request, *args, **kwargs):
        services.plan_delete(plan=self._plan(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=ActionWriteSerializer,
        responses={201: ActionSerializer, **WITH_CONFLICT},
        description="Add an action (due today or later; at most 20 a plan: 409).",
    )
    @action(detail=True, methods=["post"])
    def actions(self, request, pk=None):
        plan = self._plan()
        body = ActionWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        created = services.action_add(plan=plan, user=request.user, **body.validated_data)
        return Response(ActionSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        request=ActionUpdateSerializer,
        responses={200: ActionSerializer, **ERROR_RESPONSES},
        description="Change an action's text or date (not into the past), or mark it done "
        "(done: true) or not. A new date may bring one more check-in email.",
    )
    @extend_schema(
        methods=["DELETE"],
        request=None,
        responses={204: OpenApiResponse(description="Deleted."), **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["patch", "delete"], url_path=r"actions/(?P<action_id>[0-9]+)")
    def action_detail(self, request, pk=None, action_id=None):
        plan = self._plan()
        found = generics.get_object_or_404(
            plan.actions.select_related("plan__subject"), pk=action_id
        )
        if request.method == "DELETE":
            services.action_delete(action=found, user=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        body = ActionUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = services.action_update(action=found, user=request.user, **body.validated_data)
        return Response(ActionSerializer(updated).data)

    @extend_schema(
        request=CommentWriteSerializer,
        responses={201: CommentSerializer, **WITH_CONFLICT},
        description="Comment on a plan: its subject, or a manager it is shared with.",
    )
    @action(detail=True, methods=["post"])
    def comments(self, request, pk=None):
        plan = self._plan()
        body = CommentWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = services.comment_add(
            plan=plan, author=person_for_user(request.user), text=body.validated_data["text"]
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class PlanCountsView(generics.GenericAPIView):
    permission_classes = [IsHR]
    serializer_class = PlanCountsSerializer

    @extend_schema(
        responses={200: PlanCountsSerializer, **ERROR_RESPONSES},
        description="HR: how many people have a development plan and how many share one. "
        "Never a plan's words.",
    )
    def get(self, request):
        return Response(selectors.plan_counts())
