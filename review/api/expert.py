"""The expert's side of review (/my/): their progress, their assignments, the conflict declaration, the
application content once they declared no conflict, and their own score sheets.

Every read starts from `queries.my_assignments` / `my_sheets`: another expert's assignment or sheet answers
404, and no response here carries another expert's score, total, vote or comment, nor results or the board."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from certification.queries import as_submitted_for, submitted_attachment_ids

from ..dashboard import my_assignment_rows, my_progress
from ..models import Assignment, Criterion, ScoreSheet
from ..queries import my_assignments, my_sheets, reviewable_applications
from ..services import assignments as assignment_services
from ..services import sheets as sheet_services
from .access import EXPERT, get_or_404
from .expert_serializers import (
    DeclareSerializer,
    MyAssignmentDetailSerializer,
    MyAssignmentSerializer,
    MyProgressSerializer,
    MySheetSerializer,
    SheetSubmitSerializer,
    SheetWriteSerializer,
)


class MyDashboardView(GenericAPIView):
    """The expert's dashboard: assignments to declare, to score and submitted, and the nearest deadline."""

    permission_classes = EXPERT
    serializer_class = MyProgressSerializer
    pagination_class = None
    filter_backends = []

    def get(self, request):
        """Counts over the expert's own active assignments in started or closed rounds."""
        return Response(MyProgressSerializer(my_progress(request.user)).data)


class MyAssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The expert's own assignments (not recused or removed). Before the conflict declaration only the
    application's number, product, enterprise and field; its content once they declared no conflict."""

    permission_classes = EXPERT
    serializer_class = MyAssignmentSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Assignment.objects.none()
        return my_assignment_rows(self.request.user)

    def get_serializer_class(self):
        return MyAssignmentSerializer if self.action == "list" else MyAssignmentDetailSerializer

    def list(self, request, *args, **kwargs):
        """The expert's assignments, nearest deadline first, with their own sheet's id and state."""
        return super().list(request, *args, **kwargs)

    def _detail(self, assignment):
        context = self.get_serializer_context()
        if assignment.state == Assignment.State.ACCEPTED:
            # reviewable_applications admits an expert to exactly the applications they accepted to review.
            app = (reviewable_applications(self.request.user).filter(pk=assignment.application_id)
                   .prefetch_related("attachments").first())
            if app is not None:
                shown, ids = as_submitted_for(app, self.request.user)
                if ids is None:
                    submitted = submitted_attachment_ids(app)
                    ids = [a.pk for a in app.attachments.all() if a.removed_at is None and a.pk in submitted]
                context.update(application=shown, attachment_ids=set(ids))
        return Response(MyAssignmentDetailSerializer(assignment, context=context).data)

    def retrieve(self, request, pk=None):
        """One assignment; `content` (the application and its attachments with download URLs) is given only
        once the expert has declared no conflict, and is null before."""
        return self._detail(get_or_404(self.get_queryset(), pk))

    @extend_schema(request=DeclareSerializer, responses=MyAssignmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def declare(self, request, pk=None):
        """Declare, before opening the application, whether there is a conflict of interest. `conflict: true`
        (with a reason) recuses the expert: the assignment leaves their list and staff are told to replace them."""
        own = get_or_404(my_assignments(request.user), pk)
        s = DeclareSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        assignment_services.declare(actor=request.user, assignment_id=own.pk, **s.validated_data)
        # Read back by id: a recused assignment is no longer in the expert's list, but it is still their own.
        fresh = Assignment.objects.select_related("application__enterprise", "round__batch", "sheet").get(pk=own.pk)
        return self._detail(fresh)


class MySheetViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The expert's own score sheet: the rubric with their scores, level vote and comment. A draft is saved
    with PUT and locked with submit; a submitted sheet is refused (400) until staff reopen it."""

    permission_classes = EXPERT
    serializer_class = MySheetSerializer
    filter_backends = []
    http_method_names = ["get", "put", "post", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ScoreSheet.objects.none()
        return my_sheets(self.request.user).select_related("assignment__round", "application")

    def _sheet(self, pk):
        sheet = get_or_404(self.get_queryset(), pk)
        criteria = list(Criterion.objects.filter(round_id=sheet.assignment.round_id))
        return Response(MySheetSerializer(sheet, context={**self.get_serializer_context(), "criteria": criteria}).data)

    def retrieve(self, request, pk=None):
        """The sheet with each criterion (maximum points, weight) and the expert's score on it."""
        return self._sheet(pk)

    @extend_schema(request=SheetWriteSerializer, responses=MySheetSerializer)
    def update(self, request, pk=None):
        """Save the draft (the whole sheet: scores, level vote, comment); each given score must be valid, errors
        are keyed `scores.<criterion id>`."""
        own = get_or_404(self.get_queryset(), pk)
        s = SheetWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        sheet_services.save_draft(actor=request.user, sheet_id=own.pk, **s.validated_data)
        return self._sheet(own.pk)

    @extend_schema(request=SheetSubmitSerializer, responses=MySheetSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit and lock the sheet: every criterion scored, a level recommended, a comment, and
        `confirmed: true`."""
        own = get_or_404(self.get_queryset(), pk)
        s = SheetSubmitSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        sheet_services.submit(actor=request.user, sheet_id=own.pk, **s.validated_data)
        return self._sheet(own.pk)
