from django.db import models
from django.utils.translation import gettext_lazy as _


class Via(models.TextChoices):
    API = "api", _("API")
    PAGE = "page", _("Web page")
    EXPORT = "export", _("Export or report")


class Part(models.TextChoices):
    """What was read: a part of a declaration, or another record of a trader's."""

    DETAIL = "detail", _("Declaration")
    EVENTS = "events", _("Event log")
    VERSIONS = "versions", _("Versions")
    CHECKS = "checks", _("Checks and inspections")
    DOCUMENTS = "doc_list", _("Documents and requests for them")
    DOCUMENT = "doc_file", _("A document of a declaration")
    PROFILE = "profile", _("Enterprise risk profile")
    AUDIT_CASE = "audit_case", _("Post-clearance audit case")
    FILING = "filing", _("Online-service filing")
    FILING_DOCUMENT = "filing_doc", _("Document of a filing")
    SW_DOCUMENT = "sw_document", _("Licence or permit (single window)")
    CERTIFICATE = "certificate", _("Certificate of origin")


# The parts whose subject is a declaration (subject_id is the declaration's id; a document's
# read names the document in the record's reference).
DECLARATION_PARTS = frozenset(
    {Part.DETAIL, Part.EVENTS, Part.VERSIONS, Part.CHECKS, Part.DOCUMENTS, Part.DOCUMENT}
)
