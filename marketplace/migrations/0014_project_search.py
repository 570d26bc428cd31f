import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.conf import settings
from django.db import migrations

# The database keeps each project's search vector, whatever writes the row (a save, an
# update of some columns, SQL): the title weighs more than the brief. A trigger rather
# than a generated column, so that Django's system checks need no database connection.
KEEP = """
CREATE OR REPLACE FUNCTION marketplace_project_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english', COALESCE(NEW.title, '')), 'A')
        || setweight(to_tsvector('english', COALESCE(NEW.brief, '')), 'B');
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER marketplace_project_search_vector
    BEFORE INSERT OR UPDATE ON marketplace_project
    FOR EACH ROW EXECUTE FUNCTION marketplace_project_search_vector();

UPDATE marketplace_project SET title = title;
"""

DROP = """
DROP TRIGGER IF EXISTS marketplace_project_search_vector ON marketplace_project;
DROP FUNCTION IF EXISTS marketplace_project_search_vector();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("contributors", "0006_merge_jurisdiction_history_and_bounded_lists"),
        ("marketplace", "0013_merge_floor_warnings_and_adjustment_requests"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunSQL(KEEP, DROP),
        migrations.AddIndex(
            model_name="project",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="project_search_vector"),
        ),
    ]
