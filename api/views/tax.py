"""Tax forms through the API: an expert's own (read and sign), and operations' list of what is missing."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.client_ip import client_ip
from contributors.selectors import contributor_for_user
from tax.certifications import CERTIFICATIONS
from tax.rules import tax_form_kind_for
from tax.selectors import payout_blocks, tax_form_current, tax_form_in_force, tax_forms_missing
from tax.services import TAX_FORM_FIELDS, tax_form_sign

from ..idempotency import idempotent
from ..permissions import IsExpert, IsOps
from ..serializers import tax as s


def _mine(request):
    contributor = contributor_for_user(user=request.user)
    if contributor is None:
        raise Http404
    return contributor


def _my_tax_form(contributor) -> dict:
    today = timezone.now().date()
    kind = tax_form_kind_for(contributor.country)
    return {
        "kind_owed": kind,
        "in_force": tax_form_in_force(contributor=contributor, on=today),
        "latest": tax_form_current(contributor=contributor),
        "payout_block": payout_blocks(contributor_ids=[contributor.pk], on=today).get(contributor.pk, ""),
        "certification": CERTIFICATIONS[kind],
    }


class MyTaxFormView(APIView):
    permission_classes = [IsExpert]

    @extend_schema(responses=s.MyTaxFormOutput, tags=["experts"])
    def get(self, request):
        return Response(s.MyTaxFormOutput(_my_tax_form(_mine(request))).data)

    @extend_schema(request=s.TaxFormInput, responses={201: s.MyTaxFormOutput}, tags=["experts"])
    @idempotent
    def post(self, request):
        contributor = _mine(request)
        data = s.TaxFormInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        tax_form_sign(
            actor=request.user,
            contributor=contributor,
            kind=values["kind"],
            data={key: values[key] for key in TAX_FORM_FIELDS if key in values},
            certified=values["certified"],
            signed_name=values["signed_name"],
            ip=client_ip(request._request),
        )
        return Response(s.MyTaxFormOutput(_my_tax_form(contributor)).data, status=status.HTTP_201_CREATED)


class OpsTaxFormsMissingView(ListAPIView):
    """Experts without a valid tax form today, or whose W-8BEN expires within 90 days; most urgent first."""

    permission_classes = [IsOps]
    serializer_class = s.TaxFormMissingOutput

    def get_queryset(self):
        return tax_forms_missing(on=timezone.now().date())
