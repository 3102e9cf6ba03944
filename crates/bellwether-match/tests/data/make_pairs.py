#!/usr/bin/env python3
"""Writes eval_pairs.csv from eval_requests.csv: labelled request pairs for the matcher's evaluation.

Every request is paired with the next two requests of the same need (in file order, wrapping
around), which crosses languages, and with two of other needs: one of a need that shares
vocabulary (a hard negative, from CONFUSABLE) and one drawn at random. The seed is fixed, so the
file is reproducible: python3 make_pairs.py > eval_pairs.csv
"""
import csv
import random
import sys

CONFUSABLE = {
    "sso": ["two_factor", "role_based_access"],
    "two_factor": ["sso"],
    "audit_log_export": ["bulk_csv_import", "scheduled_reports"],
    "bulk_csv_import": ["audit_log_export"],
    "api_rate_limits": ["webhooks"],
    "webhooks": ["api_rate_limits", "crm_integration"],
    "crm_integration": ["core_banking_integration", "webhooks"],
    "core_banking_integration": ["mainframe_batch_integration", "crm_integration"],
    "mainframe_batch_integration": ["core_banking_integration"],
    "custom_risk_rules": ["role_based_access", "sandbox_environment"],
    "role_based_access": ["custom_risk_rules", "sso"],
    "localized_dashboard": ["scheduled_reports"],
    "scheduled_reports": ["audit_log_export", "localized_dashboard"],
    "faster_support": ["volume_discount"],
    "volume_discount": ["faster_support"],
    "mobile_sdk": ["api_rate_limits"],
    "eu_data_residency": ["audit_log_export"],
    "sandbox_environment": ["custom_risk_rules"],
    "invoice_pdf": ["scheduled_reports"],
}

rows = list(csv.DictReader(open("eval_requests.csv", encoding="utf-8")))
by_need = {}
for row in rows:
    by_need.setdefault(row["need"], []).append(row)
rng = random.Random(6)
pairs = []
seen = set()


def add(a, b, label):
    key = tuple(sorted((a["id"], b["id"])))
    if a["id"] == b["id"] or key in seen:
        return
    seen.add(key)
    languages = "-".join(sorted((a["language"], b["language"])))
    pairs.append((a, b, languages, label))


for row in rows:
    group = by_need[row["need"]]
    position = group.index(row)
    for step in (1, 2):
        if len(group) > step:
            add(row, group[(position + step) % len(group)], "same")
    hard = rng.choice(CONFUSABLE[row["need"]])
    add(row, rng.choice(by_need[hard]), "different")
    other = rng.choice([need for need in by_need if need != row["need"]])
    add(row, rng.choice(by_need[other]), "different")

writer = csv.writer(sys.stdout, lineterminator="\n")
writer.writerow(["pair_id", "a", "b", "languages", "label", "text_a", "text_b"])
for index, (a, b, languages, label) in enumerate(pairs, start=1):
    writer.writerow([f"P{index:03}", a["id"], b["id"], languages, label, a["text"], b["text"]])
