"""The National Single Window (Cơ chế một cửa quốc gia): partner agencies, the requirements
table, the permits and specialised-inspection results agencies send, and what each declaration
line is waiting for. The ASEAN Single Window: electronic certificates of origin (e-C/O) received
from partner countries and the quantities declarations have drawn on them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haiquan.accounts.choices import Role
from haiquan.core.visibility import Visibility, VisibleQuerySet

from .choices import (
    AgencyKind,
    CertificateState,
    DocumentKind,
    DocumentState,
    Flow,
    MessageFunction,
    RequestState,
    Result,
)

QUANTITY: dict[str, Any] = {"max_digits": 18, "decimal_places": 3}


class Agency(models.Model):
    """A ministry's unit that issues permits or specialised-inspection results (bộ, ngành)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=255)
    ministry = models.CharField(_("ministry"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=AgencyKind.choices)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("partner agency")
        verbose_name_plural = _("partner agencies")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AgencyMember(models.Model):
    """Links a user of role "agency" (a person or the agency's system) to its agency."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="agency_membership",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="members"
    )

    class Meta:
        verbose_name = _("agency member")
        verbose_name_plural = _("agency members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency.code}"


def _agency_answers(user: Any) -> Q:
    """A partner agency's members see what their agency sent and was asked (while it works)."""
    if user.role != Role.AGENCY:
        return Q(pk__in=[])
    return Q(agency__in=Agency.objects.filter(active=True, members__user=user))


def _gateway_sent(user: Any) -> Q:
    """A partner country's gateway sees the e-C/O it sent (while it is switched on)."""
    if user.role != Role.AGENCY:
        return Q(pk__in=[])
    return Q(endpoint__user=user, endpoint__active=True)


class Requirement(models.Model):
    """One row of the requirements table: goods whose HS code starts with `hs_prefix`, declared
    under these types and from these origins, need this document from this agency."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="requirements"
    )
    kind = models.CharField(_("document needed"), max_length=12, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=255)
    hs_prefix = models.CharField(_("HS code prefix"), max_length=8, db_index=True)
    flow = models.CharField(_("flow"), max_length=6, choices=Flow.choices, blank=True)
    # Declaration type codes ("A11", ...); empty: every type of the flow.
    type_codes = models.JSONField(_("declaration types"), default=list, blank=True)
    # Origins (alpha-2); empty: every origin.
    origins = models.JSONField(_("origins"), default=list, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    # Built from this measure of the ministries' inspection lists (`measures.py`); empty for a
    # requirement written by hand.
    measure = models.CharField(
        _("inspection-list measure"), max_length=64, blank=True, db_index=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        ordering = ["hs_prefix", "agency__code", "kind"]

    def __str__(self) -> str:
        return f"{self.hs_prefix}* → {self.agency.code} {self.get_kind_display()}"


class RequirementRevision(models.Model):
    """One row whose token changes whenever the requirements table (or an agency) changes.

    Every registration asks which of its lines need a permit or an inspection result; each
    process keeps the active requirements in memory (`requirements.requirements_table`) and
    compares this token with the one it loaded under. Database triggers (migration 0003) write
    a new random token on every INSERT, UPDATE, DELETE or TRUNCATE of the requirements and the
    agencies, whoever makes it, in the transaction of the change (as `RefdataRevision`)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.CharField(_("token"), max_length=32)

    class Meta:
        verbose_name = _("requirements revision")
        verbose_name_plural = _("requirements revisions")

    def __str__(self) -> str:
        return self.token


class Document(models.Model):
    """A permit or a specialised-inspection result sent by an agency. A permit covers goods
    quantities that declarations draw down; an inspection result may name the declaration it
    was made for. Amendments change it in place (with an event); revocation ends it."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=DocumentKind.choices)
    reference = models.CharField(_("reference"), max_length=50)
    holder = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="agency_documents",
    )
    declaration = models.ForeignKey(
        "clearance.Declaration",
        verbose_name=_("declaration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agency_documents",
    )
    issued_on = models.DateField(_("issued on"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=4, choices=Result.choices)
    notes = models.TextField(_("notes"), blank=True)
    state = models.CharField(
        _("state"), max_length=8, choices=DocumentState.choices, default=DocumentState.VALID
    )
    revoke_reason = models.TextField(_("revocation reason"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    # Officers and leaders see the documents of the enterprises whose declarations they work.
    visibility = Visibility(
        offices=("holder__declarations__office",), enterprise="holder", also=_agency_answers
    )
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency document")
        verbose_name_plural = _("agency documents")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "reference"], name="sw_document_unique_ref"),
        ]
        indexes = [models.Index(fields=["holder", "agency", "kind"], name="sw_document_holder_idx")]

    def __str__(self) -> str:
        return f"{self.agency.code} {self.reference}"


class DocumentGoods(models.Model):
    """Goods a document covers: an HS code (4 to 8 digits, matching lines that start with it),
    the quantity in a unit. What declarations drew is in their `Request` rows."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="goods")
    item_no = models.PositiveSmallIntegerField(_("item"))
    hs_code = models.CharField(_("HS code"), max_length=8)
    description = models.CharField(_("description"), max_length=500, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit = models.CharField(_("unit"), max_length=8)

    class Meta:
        verbose_name = _("goods covered")
        verbose_name_plural = _("goods covered")
        ordering = ["document", "item_no"]
        constraints = [
            models.UniqueConstraint(fields=["document", "item_no"], name="sw_goods_unique_item"),
        ]

    def __str__(self) -> str:
        return f"{self.document} #{self.item_no} {self.hs_code}"


class AgencyMessage(models.Model):
    """Each message an agency system sent, recorded once by (agency, reference, message id):
    a replay is recognised and changes nothing."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="messages")
    reference = models.CharField(_("reference"), max_length=50)
    message_id = models.CharField(_("message id"), max_length=100)
    function = models.CharField(_("function"), max_length=12, choices=MessageFunction.choices)
    digest = models.CharField(_("content digest"), max_length=64)
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="messages", null=True, blank=True
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("agency message")
        verbose_name_plural = _("agency messages")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "reference", "message_id"], name="sw_message_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency.code} {self.reference} {self.message_id}"


class Request(models.Model):
    """What one declaration line needs from one agency under one requirement, and the document
    (goods item) linked to it with the quantity drawn. Customs' request to the agency is the
    row's creation; the agency's answer is the link."""

    declaration = models.ForeignKey(
        "clearance.Declaration",
        verbose_name=_("declaration"),
        on_delete=models.CASCADE,
        related_name="agency_requests",
    )
    line_no = models.PositiveSmallIntegerField(_("line"))
    hs_code = models.CharField(_("HS code"), max_length=8)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit = models.CharField(_("unit"), max_length=8)
    requirement = models.ForeignKey(
        Requirement, verbose_name=_("requirement"), on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="requests"
    )
    kind = models.CharField(_("document needed"), max_length=12, choices=DocumentKind.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=RequestState.choices, default=RequestState.WAITING
    )
    goods = models.ForeignKey(
        DocumentGoods,
        verbose_name=_("linked document item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
    )
    quantity_drawn = models.DecimalField(_("quantity drawn"), default=0, **QUANTITY)
    # Why it is still waiting (e.g. a permit exhausted), in plain words.
    note = models.TextField(_("note"), blank=True)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    visibility = Visibility(via="declaration", also=_agency_answers)
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency request")
        verbose_name_plural = _("agency requests")
        ordering = ["declaration", "line_no", "agency__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "line_no", "requirement"], name="sw_request_unique"
            ),
        ]
        indexes = [models.Index(fields=["agency", "state"], name="sw_request_agency_idx")]

    def __str__(self) -> str:
        return f"{self.declaration_id}/{self.line_no} → {self.agency_id} {self.state}"


class PartnerEndpoint(models.Model):
    """A partner country's ASEAN Single Window gateway, sending e-C/O as a system user."""

    country = models.ForeignKey(
        "refdata.Country", verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=255)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("system user"),
        on_delete=models.PROTECT,
        related_name="asw_endpoint",
    )
    # Agreements whose C/O this country exchanges electronically (e.g. ["ATIGA"]): a claim under
    # one of them citing a C/O not received from it rests on paper and is checked.
    agreements = models.JSONField(_("agreements exchanged"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("ASW partner endpoint")
        verbose_name_plural = _("ASW partner endpoints")
        ordering = ["country"]

    def __str__(self) -> str:
        return f"{self.country_id} {self.name}"


class Certificate(models.Model):
    """An electronic certificate of origin (e.g. ATIGA Form D) received through the ASEAN
    Single Window from the issuing country's endpoint."""

    reference_number = models.CharField(_("reference number"), max_length=35)
    form = models.CharField(_("form"), max_length=8)
    agreement = models.CharField(_("agreement"), max_length=16)
    issuing_country = models.ForeignKey(
        "refdata.Country",
        verbose_name=_("issuing country"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issue_date = models.DateField(_("issue date"))
    # Set by the issuing authority when it limits validity; otherwise the agreement's period.
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    exporter_name = models.CharField(_("exporter"), max_length=255)
    exporter_id = models.CharField(_("exporter id"), max_length=35, blank=True)
    importer_mst = models.CharField(_("importer tax code (MST)"), max_length=14, db_index=True)
    importer_name = models.CharField(_("importer"), max_length=255, blank=True)
    importation_country = models.CharField(_("importing country"), max_length=2, default="VN")
    state = models.CharField(
        _("state"), max_length=10, choices=CertificateState.choices, default=CertificateState.VALID
    )
    endpoint = models.ForeignKey(
        PartnerEndpoint, verbose_name=_("received from"), on_delete=models.PROTECT
    )
    digest = models.CharField(_("content digest"), max_length=64)
    content = models.JSONField(_("message as received"), encoder=DjangoJSONEncoder)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    # Customs read every e-C/O (any office may be shown one); a trader those naming its
    # enterprises (or a broker's principals) as importer, by tax code.
    visibility = Visibility(
        customs_see_all=True,
        enterprise="importer_mst",
        enterprise_by="mst",
        also=_gateway_sent,
    )
    objects = VisibleQuerySet.as_manager()

    class Meta:
        verbose_name = _("e-C/O")
        verbose_name_plural = _("e-C/O")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuing_country", "reference_number"], name="sw_certificate_unique_ref"
            ),
        ]
        indexes = [models.Index(fields=["reference_number"], name="sw_certificate_ref_idx")]

    def __str__(self) -> str:
        return f"{self.form} {self.reference_number} ({self.issuing_country_id})"


class CertificateItem(models.Model):
    """One goods item of an e-C/O."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="items")
    item_no = models.PositiveSmallIntegerField(_("item"))
    hs_code = models.CharField(_("HS code"), max_length=10)
    description = models.CharField(_("description"), max_length=500)
    origin_criterion = models.CharField(_("origin criterion"), max_length=20)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit = models.CharField(_("unit"), max_length=8)
    fob_value = models.DecimalField(_("FOB value"), max_digits=18, decimal_places=2)
    fob_currency = models.CharField(_("currency"), max_length=3, default="USD")

    class Meta:
        verbose_name = _("e-C/O item")
        verbose_name_plural = _("e-C/O items")
        ordering = ["certificate", "item_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "item_no"], name="sw_certificate_unique_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate} #{self.item_no}"


class CertificateUse(models.Model):
    """The quantity a declaration line drew on an e-C/O item when its preference was granted.
    Uses by cancelled declarations no longer count."""

    item = models.ForeignKey(CertificateItem, on_delete=models.PROTECT, related_name="uses")
    declaration = models.ForeignKey(
        "clearance.Declaration", on_delete=models.CASCADE, related_name="certificate_uses"
    )
    line_no = models.PositiveSmallIntegerField(_("line"))
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("e-C/O use")
        verbose_name_plural = _("e-C/O uses")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "declaration", "line_no"], name="sw_certificate_use_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} ← {self.declaration_id}/{self.line_no}"
