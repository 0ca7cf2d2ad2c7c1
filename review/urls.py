"""Pages of expert review (staff round pages under /review/rounds/, the expert's under /review/my/)."""

urlpatterns = []
