"""Salesforce Bulk API 2.0 CSV results (Contact, Lead, Opportunity) and the commerce ``orders.csv``.

A result split over files (``Contact.csv``, ``Contact_2.csv``, …) is read as one; duplicate ids
across its files are quarantined like duplicates within one. Date-times must carry an offset
(``…000Z``); a naive one is quarantined. ``leads`` joins each Lead to its Opportunity through
``ConvertedOpportunityId``; ``converted_ts`` is ``ConvertedDate`` at 00:00 in the study's zone.
``orders``: ``member_id`` via the Contact; an order whose ``contact_id`` is no known Contact is
quarantined (orphan).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.ingest.quarantine import Ledger
from helpers.ingest.readers import numbered_parts, read_csv, relpath
from helpers.ingest.validation import Field, SeenKeys, reject_duplicates, reject_where

SOURCE = "salesforce"
CONTACT_FIELDS = [Field("Id", required=True), Field("Email"), Field("Phone"), Field("MailingCity"),
                  Field("Birthdate", "date"), Field("CreatedDate", "iso", required=True)]
LEAD_FIELDS = [Field("Id", required=True), Field("Email"), Field("Phone"), Field("LeadSource"), Field("Status"),
               Field("IsConverted", "bool_text"), Field("ConvertedDate", "date"), Field("ConvertedContactId"),
               Field("ConvertedOpportunityId"), Field("CreatedDate", "iso", required=True)]
OPPORTUNITY_FIELDS = [Field("Id", required=True), Field("ContactId"), Field("StageName"),
                      Field("Amount", "num_text"), Field("CloseDate", "date"), Field("IsWon", "bool_text"),
                      Field("IsClosed", "bool_text"), Field("CreatedDate", "iso")]
ORDER_FIELDS = [Field("order_id", required=True), Field("contact_id", required=True),
                Field("order_time", "iso", required=True), Field("amount", "num_text", required=True),
                Field("product_category")]


def _read(raw_dir: Path, stem: str, fields, table: str, ledger: Ledger, key: str, account: bool = True):
    out, seen = [], SeenKeys()
    for path in numbered_parts(raw_dir / SOURCE, stem):
        file = relpath(path, raw_dir)
        df = read_csv(path, file, fields, ledger, SOURCE, table)
        df = reject_duplicates(df, [key], key, ledger, SOURCE, table, file, seen)
        if account:
            ledger.kept(SOURCE, table, file, len(df))
        df["_file"] = file
        out.append(df)
    if out:
        return pd.concat(out, ignore_index=True)
    return pd.DataFrame({c: pd.Series(dtype="object") for c in [f.name for f in fields] + ["_row", "_file"]})


def read_salesforce(raw_dir: Path, ledger: Ledger) -> dict[str, pd.DataFrame]:
    """Contacts, Leads, Opportunities and orders, validated (orders not yet checked for orphans)."""
    return {
        "contacts": _read(raw_dir, "Contact", CONTACT_FIELDS, "members", ledger, "Id"),
        "leads": _read(raw_dir, "Lead", LEAD_FIELDS, "leads", ledger, "Id"),
        "opportunities": _read(raw_dir, "Opportunity", OPPORTUNITY_FIELDS, "leads", ledger, "Id"),
        "orders": _read(raw_dir, "orders", ORDER_FIELDS, "orders", ledger, "order_id", account=False),
    }


def orders_table(sf: dict[str, pd.DataFrame], ledger: Ledger, member_of) -> pd.DataFrame:
    """Canonical ``orders`` rows; orders of unknown Contacts are quarantined."""
    orders = sf["orders"]
    known = set(sf["contacts"]["Id"].astype(str))
    orders = orders.assign(member_id=member_of(orders["contact_id"]).to_numpy())
    orphan = ~orders["contact_id"].astype(str).isin(known) | orders["member_id"].isna()
    orders = reject_where(orders, orphan, ledger, SOURCE, "orders", None,
                          "unknown contact_id: not a Salesforce Contact in Contact.csv", "contact_id")
    ledger.kept_rows(SOURCE, "orders", orders)
    return pd.DataFrame({"order_id": orders["order_id"], "member_id": orders["member_id"],
                         "ts": orders["order_time"], "amount": orders["amount"],
                         "product_category": orders["product_category"]})


def leads_table(sf: dict[str, pd.DataFrame], member_of, lead_key, opportunity_key, tz: str) -> pd.DataFrame:
    """Canonical ``leads`` rows: ``lead_id`` = ``lead_key(Id)``, opportunity fields joined.

    ``lead_key`` / ``opportunity_key`` pseudonymize raw Lead / Opportunity ids.
    """
    leads, opp = sf["leads"], sf["opportunities"]
    o = opp.set_index(opp["Id"].astype(str))
    joined = leads[["ConvertedOpportunityId"]].astype("string").join(
        o[["StageName", "Amount", "IsWon", "CloseDate"]], on="ConvertedOpportunityId")
    converted = pd.to_datetime(leads["ConvertedDate"])
    return pd.DataFrame({
        "lead_id": lead_key(leads["Id"]), "member_id": member_of(leads["Id"]).to_numpy(),
        "created_ts": leads["CreatedDate"], "source": leads["LeadSource"], "status": leads["Status"],
        "converted_ts": converted.dt.tz_localize(tz),
        "opportunity_id": opportunity_key(leads["ConvertedOpportunityId"]),
        "stage": joined["StageName"], "amount": joined["Amount"], "is_won": joined["IsWon"],
        "close_date": joined["CloseDate"],
    })

