from django.db import migrations

# The database keeps the books honest whatever the application does: entries and
# postings are append-only, and at commit every entry's postings sum to zero in each
# currency (checked by a deferred constraint trigger, so an entry's postings can be
# inserted one by one inside its transaction).
CREATE = """
CREATE TRIGGER payouts_journalentry_append_only
    BEFORE UPDATE OR DELETE ON payouts_journalentry
    FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change();
CREATE TRIGGER payouts_posting_append_only
    BEFORE UPDATE OR DELETE ON payouts_posting
    FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change();

CREATE OR REPLACE FUNCTION ledger_entry_must_balance() RETURNS trigger AS $$
DECLARE
    off record;
BEGIN
    SELECT currency, sum(amount_minor) AS total INTO off
    FROM payouts_posting WHERE entry_id = NEW.entry_id
    GROUP BY currency HAVING sum(amount_minor) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance: % % left over', NEW.entry_id, off.total, off.currency
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER payouts_posting_balanced
    AFTER INSERT ON payouts_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_must_balance();
"""

DROP = """
DROP TRIGGER IF EXISTS payouts_posting_balanced ON payouts_posting;
DROP FUNCTION IF EXISTS ledger_entry_must_balance();
DROP TRIGGER IF EXISTS payouts_posting_append_only ON payouts_posting;
DROP TRIGGER IF EXISTS payouts_journalentry_append_only ON payouts_journalentry;
"""


class Migration(migrations.Migration):
    dependencies = [("payouts", "0005_ledger"), ("audit", "0002_append_only_triggers")]

    operations = [migrations.RunSQL(CREATE, DROP)]
