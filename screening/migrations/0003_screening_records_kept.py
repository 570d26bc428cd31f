from django.db import migrations

# Screening records are evidence kept ten years (31 CFR 501.601): the database refuses to
# change a record or a match, and to delete a record, a match or a review before the
# record's ``keep_until``, whatever the application (or a SQL prompt) tries.
CREATE = """
CREATE OR REPLACE FUNCTION screening_refuse_change_before_keep_until() RETURNS trigger AS $$
DECLARE
    kept date;
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME <> 'screening_screeningreview' THEN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF TG_TABLE_NAME = 'screening_screeningmatch' THEN
            SELECT keep_until INTO kept FROM screening_screeningrecord WHERE id = OLD.record_id;
        ELSE
            kept := OLD.keep_until;
        END IF;
        IF kept IS NULL OR kept > current_date THEN
            RAISE EXCEPTION '% is kept until %: DELETE refused', TG_TABLE_NAME, kept
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER screening_record_kept
    BEFORE UPDATE OR DELETE ON screening_screeningrecord
    FOR EACH ROW EXECUTE FUNCTION screening_refuse_change_before_keep_until();
CREATE TRIGGER screening_match_kept
    BEFORE UPDATE OR DELETE ON screening_screeningmatch
    FOR EACH ROW EXECUTE FUNCTION screening_refuse_change_before_keep_until();
CREATE TRIGGER screening_review_kept
    BEFORE DELETE ON screening_screeningreview
    FOR EACH ROW EXECUTE FUNCTION screening_refuse_change_before_keep_until();
"""

DROP = """
DROP TRIGGER IF EXISTS screening_record_kept ON screening_screeningrecord;
DROP TRIGGER IF EXISTS screening_match_kept ON screening_screeningmatch;
DROP TRIGGER IF EXISTS screening_review_kept ON screening_screeningreview;
DROP FUNCTION IF EXISTS screening_refuse_change_before_keep_until();
"""


class Migration(migrations.Migration):
    dependencies = [("screening", "0002_screening_subjects_records_reviews")]

    operations = [migrations.RunSQL(CREATE, DROP)]
