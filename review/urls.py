"""Pages of expert review (staff round pages under /review/rounds/, the expert's under /review/my/)."""

from django.urls import path

from .views import assignments, expert, results, rounds

urlpatterns = [
    # Province staff
    path("rounds/", rounds.round_list, name="review_round_list"),
    path("batches/<int:batch_pk>/round/", rounds.round_open, name="review_round_open"),
    path("rounds/<int:pk>/", rounds.round_detail, name="review_round"),
    path("rounds/<int:pk>/criteria/", rounds.round_criteria, name="review_round_criteria"),
    path("rounds/<int:pk>/panels/", rounds.round_panels, name="review_round_panels"),
    path("rounds/<int:pk>/auto-assign/", rounds.round_auto_assign, name="review_round_auto_assign"),
    path("rounds/<int:pk>/start/", rounds.round_start, name="review_round_start"),
    path("rounds/<int:pk>/close/", rounds.round_close, name="review_round_close"),
    path("rounds/<int:pk>/assignments/", assignments.assignment_list, name="review_assignments"),
    path("rounds/<int:pk>/assignments/<int:app_pk>/add/", assignments.assignment_add, name="review_assignment_add"),
    path("rounds/<int:pk>/assignments/<int:app_pk>/fill/", assignments.assignment_fill,
         name="review_assignment_fill"),
    path("rounds/<int:pk>/assignments/remove/<int:assignment_pk>/", assignments.assignment_remove,
         name="review_assignment_remove"),
    path("rounds/<int:pk>/board/", results.board, name="review_board"),
    path("rounds/<int:pk>/results/", results.result_list, name="review_results"),
    path("rounds/<int:pk>/results.xlsx", results.result_export, name="review_results_export"),
    path("rounds/<int:pk>/results/<int:app_pk>/", results.application_result, name="review_application_result"),
    path("rounds/<int:pk>/results/<int:app_pk>/proposal/", results.proposal_record, name="review_proposal"),
    path("rounds/<int:pk>/sheets/<int:sheet_pk>/reopen/", results.sheet_reopen, name="review_sheet_reopen"),
    # Experts
    path("my/", expert.my_review, name="review_my"),
    path("assignments/<int:pk>/", expert.assignment_detail, name="review_assignment"),
    path("assignments/<int:pk>/declare/", expert.assignment_declare, name="review_declare"),
    path("assignments/<int:pk>/sheet/", expert.sheet_save, name="review_sheet"),
]
