"""Salesforce: Leads (with conversion), Contacts (with birth dates) and Opportunities.

Community leads are community members who are not yet buyers; exactly 12% of those created in the
pre-period convert within 30 days. Converted leads get a Contact and an Opportunity. Among Contacts
with a birth date, exactly 43% are aged 18-25 at the study start.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.synth import identifiers, targets as T
from helpers.synth.clock import DAY_S, Clock, iso_local, iso_utc_millis
from helpers.synth.identity import Registry
from helpers.synth.people import MEMBER, PROSPECT, People

COMMUNITY_SOURCE = "WeCom Community"
OTHER_SOURCES = np.array(["Web", "Advertisement", "Partner Referral", "Trade Show"], dtype=object)
AGE_BANDS = np.array(["<18", "18-25", "26-35", "36-45", "46+"], dtype=object)
AGE_RANGES = {0: (15, 17), 1: (18, 25), 2: (26, 35), 3: (36, 45), 4: (46, 62)}
OTHER_BAND_P = np.array([0.02, 0.0, 0.33, 0.15, 0.07])
PHONE_STYLE = {"contact": (0.2, 0.2, 0.1, 0.5), "lead": (0.4, 0.1, 0.1, 0.4)}
STAGES_OPEN = np.array(["Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote"], dtype=object)


def _sf_ids(rng, n: int, prefix: str) -> np.ndarray:
    return identifiers.unique_ids(rng, n, prefix + "5g", 13)


def build_leads(rng: np.random.Generator, clock: Clock, people: People) -> dict:
    nd = clock.n_days
    pool = np.flatnonzero((people.kind == MEMBER) & ~people.contact_start)
    n_c = min(int(round(T.COMMUNITY_LEADS * people.n_members)), pool.size)
    comm = rng.permutation(pool)[:n_c]
    other = np.flatnonzero(people.kind == PROSPECT)
    person = np.r_[comm, other]
    n = person.size
    is_comm = np.r_[np.ones(n_c, bool), np.zeros(other.size, bool)]
    created = clock.t0 + (rng.random(n) * nd * DAY_S).astype(np.int64)
    created = np.minimum(created, clock.t0 + nd * DAY_S - 3 * 3600)
    cday = clock.day_of(created)
    source = np.where(is_comm, COMMUNITY_SOURCE, OTHER_SOURCES[rng.choice(4, n, p=[0.4, 0.25, 0.2, 0.15])])

    delay = rng.integers(1, 26, n)
    conv = rng.random(n) < np.where(is_comm, T.COMMUNITY_CONVERSION, T.OTHER_CONVERSION)
    pre_comm = np.flatnonzero(is_comm & (cday < clock.bounds["pre"][1]))
    conv[pre_comm] = False
    conv[rng.permutation(pre_comm)[: int(round(T.COMMUNITY_CONVERSION * pre_comm.size))]] = True
    late = ~conv & (rng.random(n) < 0.05)  # a few convert after the 30-day window
    delay = np.where(late, rng.integers(40, 61, n), delay)
    conv_day = cday + delay
    converted = (conv | late) & (conv_day <= nd - 1)
    conv_ts = clock.day_start(conv_day) + rng.integers(9 * 3600, 20 * 3600, n)
    recent = cday >= nd - 7
    status = np.where(converted, "Closed - Converted",
                      np.where(recent, "Open - Not Contacted",
                               np.where(rng.random(n) < 0.6, "Working - Contacted", "Closed - Not Converted")))
    return {"person": person, "lead_id": _sf_ids(rng, n, "00Q"), "created_ts": created, "source": source,
            "community": is_comm, "converted": converted, "conv_day": conv_day, "conv_ts": conv_ts,
            "conv_date": clock.start_date() + conv_day.astype("timedelta64[D]"),
            "status": status.astype(object),
            "has_email": rng.random(n) < T.LEAD_EMAIL, "has_phone": rng.random(n) < T.LEAD_PHONE,
            "pre_community": pre_comm, "pre_converted_30d": int((converted & ~late)[pre_comm].sum())}


def _birthdates(rng, clock: Clock, band: np.ndarray) -> np.ndarray:
    lo = np.array([AGE_RANGES[b][0] for b in range(5)])[band]
    hi = np.array([AGE_RANGES[b][1] for b in range(5)])[band]
    age = rng.integers(lo, hi + 1)
    start = clock.start_date()
    year = start.astype("datetime64[Y]").astype(np.int64) + 1970
    doy = (start - start.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    anniversary = (year - age - 1970).astype("datetime64[Y]").astype("datetime64[D]") + doy
    return anniversary - rng.integers(0, 361, band.size).astype("timedelta64[D]")


def build_contacts(rng: np.random.Generator, clock: Clock, people: People, leads: dict) -> dict:
    start = np.flatnonzero(people.contact_start)
    conv = np.flatnonzero(leads["converted"])
    person = np.r_[start, leads["person"][conv]]
    n = person.size
    created = np.r_[clock.t0 - rng.integers(366 * DAY_S, 1500 * DAY_S, start.size), leads["conv_ts"][conv]]
    has_bd = np.zeros(n, dtype=bool)
    has_bd[rng.permutation(n)[: int(round(T.CONTACT_BIRTHDATE * n))]] = True
    bd_rows = np.flatnonzero(has_bd)
    band = rng.choice(5, size=bd_rows.size, p=OTHER_BAND_P / OTHER_BAND_P.sum())
    band[rng.permutation(bd_rows.size)[: int(round(T.AGE_18_25_SHARE * bd_rows.size))]] = 1
    birth = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    birth[bd_rows] = _birthdates(rng, clock, band)
    age_band = np.full(people.n, "unknown", dtype=object)
    age_band[person[bd_rows]] = AGE_BANDS[band]
    people.extra["age_band"] = age_band
    lead_contact = np.full(leads["person"].size, -1, dtype=np.int64)
    lead_contact[conv] = start.size + np.arange(conv.size)
    leads["contact"] = lead_contact
    return {"person": person, "contact_id": _sf_ids(rng, n, "003"), "created_ts": created, "birthdate": birth,
            "has_email": rng.random(n) < T.CONTACT_EMAIL, "has_phone": rng.random(n) < T.CONTACT_PHONE,
            "has_city": rng.random(n) < 0.92, "n_start": start.size,
            "realized_age_18_25": float((band == 1).mean())}


def build_opportunities(rng: np.random.Generator, clock: Clock, leads: dict) -> dict:
    conv = np.flatnonzero(leads["converted"])
    n = conv.size
    created = leads["conv_ts"][conv]
    close_day = clock.day_of(created) + rng.integers(7, 61, n)
    closed = close_day <= clock.n_days - 1
    won = closed & (rng.random(n) < 0.6)
    stage = np.where(won, "Closed Won", np.where(closed, "Closed Lost", STAGES_OPEN[rng.integers(0, 4, n)]))
    leads["opportunity"] = np.full(leads["person"].size, -1, dtype=np.int64)
    leads["opportunity"][conv] = np.arange(n)
    return {"lead": conv, "opp_id": _sf_ids(rng, n, "006"), "account_id": _sf_ids(rng, n, "001"),
            "contact": leads["contact"][conv], "created_ts": created, "stage": stage.astype(object),
            "amount": np.round(rng.lognormal(np.log(3000), 0.7, n), 2),
            "close_date": clock.start_date() + close_day.astype("timedelta64[D]"), "is_won": won, "is_closed": closed}


def register(reg: Registry, people: People, contacts: dict, leads: dict) -> None:
    """Add Contacts and Leads to the identity registry (a converted Lead links to its Contact)."""
    p = contacts["person"]
    link_c = np.arange(p.size)
    reg.add("salesforce", p, np.where(contacts["has_phone"], people.phone[p], -1),
            np.where(contacts["has_email"], people.email[p], ""), link_c)
    q = leads["person"]
    reg.add("salesforce", q, np.where(leads["has_phone"], people.phone[q], -1),
            np.where(leads["has_email"], people.email[q], ""),
            np.where(leads["contact"] >= 0, leads["contact"], -1))


def _fmt_amount(x: np.ndarray) -> np.ndarray:
    return np.char.mod("%.2f", x).astype(object)


def _date(d: np.ndarray) -> np.ndarray:
    out = np.datetime_as_string(d, unit="D").astype(object)
    out[np.isnat(d)] = None
    return out


def write(w, rng: np.random.Generator, people: People, contacts: dict, leads: dict, opps: dict, orders: dict) -> None:
    """Contact, Lead, Opportunity (split every 50,000 rows) and the commerce system's orders."""
    p = contacts["person"]
    order = np.argsort(contacts["created_ts"], kind="stable")
    email = identifiers.messy_emails(rng, people.email[p])
    phone = identifiers.format_phones(rng, people.phone[p], PHONE_STYLE["contact"])
    w.csv_split("salesforce/Contact", pd.DataFrame({
        "Id": contacts["contact_id"], "FirstName": people.name["given"][p], "LastName": people.name["surname"][p],
        "Email": np.where(contacts["has_email"], email, None), "Phone": np.where(contacts["has_phone"], phone, None),
        "MailingCity": np.where(contacts["has_city"], people.city_name[p], None),
        "Birthdate": _date(contacts["birthdate"]), "CreatedDate": iso_utc_millis(contacts["created_ts"])}).iloc[order],
        "salesforce/Contact")
    q = leads["person"]
    order = np.argsort(leads["created_ts"], kind="stable")
    conv = leads["converted"]
    cid = np.where(leads["contact"] >= 0, contacts["contact_id"][np.maximum(leads["contact"], 0)], None)
    oid = np.where(leads["opportunity"] >= 0, opps["opp_id"][np.maximum(leads["opportunity"], 0)], None)
    w.csv_split("salesforce/Lead", pd.DataFrame({
        "Id": leads["lead_id"], "LastName": people.name["surname"][q],
        "Email": np.where(leads["has_email"], identifiers.messy_emails(rng, people.email[q]), None),
        "Phone": np.where(leads["has_phone"], identifiers.format_phones(rng, people.phone[q], PHONE_STYLE["lead"]), None),
        "LeadSource": leads["source"], "Status": leads["status"], "IsConverted": np.where(conv, "true", "false"),
        "ConvertedDate": np.where(conv, _date(leads["conv_date"]), None),
        "ConvertedContactId": cid, "ConvertedOpportunityId": oid,
        "CreatedDate": iso_utc_millis(leads["created_ts"])}).iloc[order], "salesforce/Lead")
    w.csv_split("salesforce/Opportunity", pd.DataFrame({
        "Id": opps["opp_id"], "ContactId": contacts["contact_id"][opps["contact"]], "AccountId": opps["account_id"],
        "StageName": opps["stage"], "Amount": _fmt_amount(opps["amount"]), "CloseDate": _date(opps["close_date"]),
        "IsWon": np.where(opps["is_won"], "true", "false"), "IsClosed": np.where(opps["is_closed"], "true", "false"),
        "CreatedDate": iso_utc_millis(opps["created_ts"])}), "salesforce/Opportunity")
    w.csv("salesforce/orders.csv", pd.DataFrame({
        "order_id": orders["order_id"], "contact_id": contacts["contact_id"][orders["contact"]],
        "order_time": iso_local(orders["ts"]), "amount": _fmt_amount(orders["amount"]),
        "product_category": orders["category"]}), "salesforce/orders")
