"""OpenAPI generation tweaks shared by every contract's views."""

from drf_spectacular.openapi import AutoSchema


class OpsgateAutoSchema(AutoSchema):
    """Plain APIViews all read as ``*_retrieve``; a collection's GET (``...ListApi``) is ``*_list``,
    so a list and its detail never collide, under either of workflow-runs' two prefixes."""

    def get_operation_id(self) -> str:
        operation_id = super().get_operation_id()
        if self.method == "GET" and type(self.view).__name__.endswith("ListApi"):
            return operation_id.removesuffix("_retrieve") + "_list"
        return operation_id
