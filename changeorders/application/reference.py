"""Reference data (price list, MSPs, agreements, users, tokens, customers) loaded as events.

Loading is idempotent: what is already there is left unchanged, what changed is amended
(a new price-list or agreement version), what is new is created. The report says which.
"""

from __future__ import annotations

from dataclasses import dataclass

from eventsourcing.domain import Aggregate

from changeorders.application.aggregates import AggregateStore
from changeorders.domain import ids
from changeorders.domain.account import CustomerAccount
from changeorders.domain.agreement import MspAgreement, agreement_terms
from changeorders.domain.catalogue import Catalogue, PriceList
from changeorders.domain.msp import ApiToken, AuditorToken, Msp
from changeorders.schemas.reference import AuditorIn, CustomerIn, MspIn, ReferenceData


@dataclass
class LoadReport:
    """What loading reference data changed, for the CLI to print."""

    created: list[str]
    updated: list[str]
    unchanged: list[str]


class ReferenceDataLoading(AggregateStore):
    """Loads the reference data every order is priced and checked against."""

    def load_reference_data(self, data: ReferenceData) -> LoadReport:
        report = LoadReport([], [], [])
        price_list = PriceList.from_dict(data.price_list.model_dump())
        self._upsert_catalogue(price_list, report)
        for msp in data.msps:
            self._upsert_msp(msp, report)
        for customer in data.customers:
            self._open_customer(customer, report)
        for auditor in data.auditors:
            self._issue_auditor_token(auditor, report)
        return report

    def _issue_auditor_token(self, data: AuditorIn, report: LoadReport) -> None:
        label = f"auditor {data.name}"
        if self._find(AuditorToken, ids.auditor_token_id(data.token_sha256)) is not None:
            report.unchanged.append(label)
            return
        self._save(
            AuditorToken(token_sha256=data.token_sha256, auditor=data.name, msp_key=data.msp)
        )
        report.created.append(label)

    def _upsert_catalogue(self, price_list: PriceList, report: LoadReport) -> None:
        label = f"price list {price_list.version}"
        catalogue = self._find(Catalogue, ids.catalogue_id())
        if catalogue is None:
            self._save(Catalogue(price_list.to_dict()))
            report.created.append(label)
            return
        if catalogue.current == price_list:
            report.unchanged.append(label)
            return
        catalogue.publish(price_list)
        self._save(catalogue)
        report.updated.append(label)

    def _upsert_msp(self, data: MspIn, report: LoadReport) -> None:
        msa = data.agreement.msa
        terms = agreement_terms(
            data.agreement.prices, data.agreement.enabled_add_ons, msa.id, msa.title, msa.text
        )
        to_save: list[Aggregate] = []
        msp = self._find(Msp, ids.msp_id(data.key))
        if msp is None:
            msp = Msp(key=data.key, name=data.name)
            report.created.append(f"msp {data.key}")
        for user in data.users:
            if user.user_id not in msp.users:
                msp.create_user(user.user_id, user.name, user.email, created_by="reference-data")
        agreement = self._find(MspAgreement, ids.agreement_id(data.key))
        if agreement is None:
            agreement = MspAgreement(msp_key=data.key, terms=terms)
        else:
            agreement.amend(terms)
        for digest in data.api_token_sha256:
            if self._find(ApiToken, ids.api_token_id(digest)) is None:
                to_save.append(ApiToken(token_sha256=digest, msp_key=data.key))
        to_save += [msp, agreement]
        if any(a.pending_events for a in to_save):
            self._save(*to_save)
            if f"msp {data.key}" not in report.created:
                report.updated.append(f"msp {data.key}")
        else:
            report.unchanged.append(f"msp {data.key}")

    def _open_customer(self, data: CustomerIn, report: LoadReport) -> None:
        label = f"customer {data.key}"
        if self._find(CustomerAccount, ids.customer_id(data.key)) is not None:
            report.unchanged.append(label)
            return
        msp = self._get(Msp, ids.msp_id(data.msp))
        msp.require_user(data.implementation_lead)
        account = CustomerAccount(
            key=data.key,
            msp_key=data.msp,
            name=data.name,
            primary_products=list(data.primary_products),
            add_ons=list(data.add_ons),
            seats=data.seats,
            implementation_lead=data.implementation_lead,
        )
        msp.add_customer(data.key)
        self._save(account, msp)
        report.created.append(label)
