"""Canonical warehouse tables: one name per concept, the same whatever a vendor called it.

``TABLES[name]`` maps each column to its type (Ibis type strings). Timestamps are timezone-aware
(``timestamp('Asia/Shanghai')`` in the warehouse); identifiers are strings; ``member_id`` is the
stitched, pseudonymized person key. Ingestion writes exactly these columns; analysis helpers read
them (or a pandas frame with the same names).
"""
from __future__ import annotations

TS = "timestamp"  # stored timezone-aware, see helpers.warehouse

TABLES: dict[str, dict[str, str]] = {
    # one stitched person (community member, buyer, lead or ticket requester)
    "members": {
        "member_id": "string",
        "first_join_ts": TS,          # first join of any customer group chat; null if never joined
        "home_community_id": "string",  # the first group chat joined; null if never joined
        "age_band": "string",         # '<18', '18-25', '26-35', '36-45', '46+', 'unknown' (from birth date at study start)
        "gender": "string",           # 'male', 'female', 'unknown'
        "city": "string",
        "city_tier": "int8",          # 1..5 from data/reference/cities.csv; null if the city is unknown
        "region": "string",
        "channel": "string",          # the source where the person was first seen: wecom, salesforce, zendesk
        "consent": "string",          # last archive consent record: 'agree', 'disagree', 'none'
        "in_wecom": "boolean",
        "in_zendesk": "boolean",
        "in_salesforce": "boolean",
    },
    "memberships": {
        "member_id": "string",
        "community_id": "string",
        "join_ts": TS,
        "leave_ts": TS,               # null while still in the group
        "join_scene": "int8",         # WeCom: 1 direct invite, 2 invite link, 3 QR code
    },
    "identities": {
        "member_id": "string",
        "source": "string",           # wecom, zendesk, salesforce, tracking
        "key_type": "string",         # external_userid, unionid, phone, email, requester_id, contact_id, lead_id
        "source_key": "string",       # salted hash, never the raw value
    },
    "communities": {
        "community_id": "string",
        "name": "string",
        "owner_id": "string",
        "created_ts": TS,
        "topic": "string",
    },
    "staff": {
        "staff_id": "string",
        "kind": "string",             # staff, robot, agent
        "team": "string",
    },
    "events": {
        "member_id": "string",
        "ts": TS,
        "event": "string",
        "community_id": "string",
        "page": "string",
        "content_id": "string",
        "content_type": "string",
        "x": "float64",
        "y": "float64",
        "campaign": "string",         # the broadcast msgid carried by a tracked link
    },
    "messages": {
        "msg_id": "string",
        "community_id": "string",
        "sender_id": "string",        # member_id for customers, staff_id for staff and robots
        "sender_type": "string",      # customer, staff, robot
        "ts": TS,
        "msgtype": "string",
        "text": "string",             # phone numbers and emails redacted
    },
    "broadcasts": {
        "broadcast_id": "string",
        "member_id": "string",        # null when sent to a group chat
        "community_id": "string",     # null when sent to one customer
        "sender_id": "string",
        "sent_ts": TS,
        "status": "int8",             # 0 not sent, 1 sent, 2 not a friend, 3 receiver over daily limit
        "content_type": "string",
    },
    "tickets": {
        "ticket_id": "string",
        "member_id": "string",
        "created_ts": TS,
        "first_reply_ts": TS,         # first public agent comment
        "solved_ts": TS,              # last change to solved; null while unsolved
        "status": "string",
        "category": "string",
        "channel": "string",
        "priority": "string",
        "region": "string",
        "team": "string",
        "csat": "string",             # good, bad, offered, unoffered
        "reopens": "int16",
        "replies": "int16",
        "subject": "string",
        "description": "string",      # phone numbers and emails redacted
        "vendor_reply_minutes_calendar": "float64",
        "vendor_reply_minutes_business": "float64",
        "vendor_first_resolution_minutes_calendar": "float64",
        "vendor_first_resolution_minutes_business": "float64",
        "vendor_full_resolution_minutes_calendar": "float64",
        "vendor_full_resolution_minutes_business": "float64",
    },
    "orders": {
        "order_id": "string",
        "member_id": "string",
        "ts": TS,
        "amount": "float64",
        "product_category": "string",
    },
    "leads": {
        "lead_id": "string",
        "member_id": "string",
        "created_ts": TS,
        "source": "string",
        "status": "string",
        "converted_ts": TS,           # Salesforce ConvertedDate (a date) at 00:00 local time
        "opportunity_id": "string",
        "stage": "string",
        "amount": "float64",
        "is_won": "boolean",
        "close_date": "date",
    },
    "assignments": {
        "experiment_id": "string",
        "unit_type": "string",        # member or community
        "unit_id": "string",          # member_id or community_id
        "variant": "string",
        "assigned_ts": TS,
        "stratum": "string",
    },
    # additions to DESIGN.md's list, needed for reconciliation and chapter 5
    "owner_daily_stats": {           # WeCom groupchat/statistic, one owner one day
        "owner_id": "string",
        "day": "date",
        "chat_total": "int64",
        "chat_has_msg": "int64",
        "member_total": "int64",
        "member_has_msg": "int64",
        "msg_total": "int64",
        "new_member_cnt": "int64",
    },
    "sentiment_labels": {            # hand labels of a random sample of customer messages (chapter 2)
        "msg_id": "string",
        "label": "string",            # negative, neutral, positive
    },
    "ticket_sentiment_labels": {     # hand labels of a random sample of tickets' descriptions (chapter 2)
        "ticket_id": "string",
        "label": "string",            # negative, neutral, positive
    },
    "ingest_log": {                  # the row account: rows_in = rows_kept + rows_quarantined
        "source": "string",
        "table": "string",
        "file": "string",
        "rows_in": "int64",
        "rows_kept": "int64",
        "rows_quarantined": "int64",
    },
}

EVENT_NAMES = (
    "page_view", "post_view", "like", "comment", "share", "post",
    "click", "link_open", "booking_submit", "purchase",
)
ACTIVITY_EVENTS = ("post", "comment", "like")  # plus a customer message in the archive
INTERACTION_EVENTS = ("like", "comment", "share")
CONTENT_TYPES = ("skin_update", "guide", "promotion", "news", "event")
