"""Staff actions on one assignment, one sheet or one application of expert review: take an expert off (撤换),
read every sheet of an application, send a sheet back (退回), record the proposal (拟认定). Anyone but province
industry staff gets 404, as for an object outside their scope."""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from certification.models import AFTER_SCORING, Application

from .. import results
from ..models import Assignment, Criterion, Proposal, ReviewRound, ScoreSheet
from ..services import assignments as assignment_services
from ..services import proposals as proposal_services
from ..services import sheets as sheet_services
from .access import get_or_404, staff_or_404
from .rounds import assignment_rows
from .serializers import (
    AssignmentSerializer,
    ProposalInputSerializer,
    ProposalStatusSerializer,
    RemoveAssignmentSerializer,
    ReopenSerializer,
    StaffSheetSerializer,
)


class StaffObjectView(GenericAPIView):
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None
    filter_backends = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication first: anonymous answers 401
        staff_or_404(request.user)


def _round_criteria(round_id):
    return list(Criterion.objects.filter(round_id=round_id))


class AssignmentRemoveView(StaffObjectView):
    """撤换: take an expert off an application, with a reason; a submitted sheet must be reopened first."""

    serializer_class = RemoveAssignmentSerializer

    @extend_schema(request=RemoveAssignmentSerializer, responses=AssignmentSerializer)
    def post(self, request, pk):
        """Remove the assignment (state `removed`); the expert is told in a started round."""
        a = get_or_404(Assignment.objects.select_related("round"), pk)
        s = RemoveAssignmentSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        assignment_services.remove_assignment(actor=request.user, assignment=a, reason=s.validated_data["reason"])
        return Response(AssignmentSerializer(assignment_rows().get(pk=a.pk)).data)


class ApplicationSheetsView(StaffObjectView):
    """Every score sheet of one application (staff only): the expert, each criterion's score, the weighted
    total, the level vote and the comment."""

    serializer_class = StaffSheetSerializer

    @extend_schema(responses=StaffSheetSerializer(many=True))
    def get(self, request, pk):
        """The application's sheets, active assignments first."""
        app = get_or_404(Application.objects.filter(submitted_at__isnull=False), pk)
        rr = ReviewRound.objects.filter(batch_id=app.batch_id).only("id").first()
        criteria = _round_criteria(rr.pk) if rr else []
        sheets = results.sheets_of(app.pk)
        return Response(StaffSheetSerializer(sheets, many=True, context={"criteria": criteria}).data)


class SheetReopenView(StaffObjectView):
    """退回: send a submitted sheet back to its expert, with a reason (audited; the expert is told)."""

    serializer_class = ReopenSerializer

    @extend_schema(request=ReopenSerializer, responses=StaffSheetSerializer)
    def post(self, request, pk):
        """Reopen the sheet: it becomes a draft again, without a total."""
        sheet = get_or_404(ScoreSheet.objects.all(), pk)
        s = ReopenSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        sheet_services.reopen(actor=request.user, sheet_id=sheet.pk, reason=s.validated_data["reason"])
        fresh = ScoreSheet.objects.select_related("assignment__expert__expert_profile__employer").get(pk=sheet.pk)
        criteria = _round_criteria(fresh.assignment.round_id)
        return Response(StaffSheetSerializer(fresh, context={"criteria": criteria}).data)


class ProposalView(StaffObjectView):
    """拟认定: an application's review result and the proposal staff record for it."""

    serializer_class = ProposalInputSerializer

    def _status(self, app, status_code=status.HTTP_200_OK):
        rr = ReviewRound.objects.filter(batch_id=app.batch_id).first()
        row = None
        if rr is not None and app.state in AFTER_SCORING:
            row = results.application_result(rr, app.pk)
        proposal = Proposal.objects.select_related("decided_by").filter(application_id=app.pk).first()
        data = {"application": app.pk, "result": row, "proposal": proposal}
        return Response(ProposalStatusSerializer(data).data, status=status_code)

    @extend_schema(responses=ProposalStatusSerializer)
    def get(self, request, pk):
        """The result the proposal is decided on (score, rank, votes, majority) and the current proposal, if any."""
        return self._status(get_or_404(Application.objects.filter(submitted_at__isnull=False), pk))

    @extend_schema(request=ProposalInputSerializer, responses=ProposalStatusSerializer)
    def post(self, request, pk):
        """Record or change the proposal: a level, or `not_proposed`; a reason is required when it differs from
        the declared level or the experts' majority vote. Every sheet must be in."""
        app = get_or_404(Application.objects.filter(submitted_at__isnull=False), pk)
        s = ProposalInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        proposal_services.record_proposal(actor=request.user, application_id=app.pk, **s.validated_data)
        return self._status(Application.objects.get(pk=app.pk))
