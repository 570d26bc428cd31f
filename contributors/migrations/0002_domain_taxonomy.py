from django.db import migrations

TAXONOMY = {
    "medicine": ("Medicine", [
        "cardiology", "oncology", "neurology", "pediatrics", "emergency-medicine", "radiology",
        "psychiatry", "primary-care", "infectious-disease", "pharmacology", "surgery", "dermatology",
    ]),
    "law": ("Law", [
        "securities", "contracts", "intellectual-property", "employment-law", "tax-law", "criminal-law",
        "privacy-and-data-protection", "immigration", "corporate-law", "international-law",
    ]),
    "computer-science": ("Computer science", [
        "distributed-systems", "machine-learning", "security", "databases", "programming-languages",
        "algorithms", "computer-vision", "natural-language-processing", "systems-programming",
    ]),
    "mathematics": ("Mathematics", ["algebra", "analysis", "probability", "statistics", "number-theory", "geometry"]),
    "physics": ("Physics", ["quantum-mechanics", "condensed-matter", "astrophysics", "particle-physics"]),
    "chemistry": ("Chemistry", ["organic-chemistry", "biochemistry", "physical-chemistry"]),
    "biology": ("Biology", ["genetics", "molecular-biology", "ecology", "neuroscience"]),
    "finance": ("Finance", ["accounting", "quantitative-finance", "corporate-finance", "auditing"]),
    "engineering": ("Engineering", [
        "electrical-engineering", "mechanical-engineering", "civil-engineering", "chemical-engineering",
    ]),
    "linguistics": ("Linguistics", ["translation", "phonetics", "syntax"]),
}


def _label(slug: str) -> str:
    words = slug.replace("-", " ")
    return words[0].upper() + words[1:]


def load(apps, schema_editor):
    Domain = apps.get_model("contributors", "Domain")
    for slug, (name, children) in TAXONOMY.items():
        parent, _ = Domain.objects.get_or_create(slug=slug, defaults={"name": name})
        for child in children:
            Domain.objects.get_or_create(slug=child, defaults={"name": _label(child), "parent": parent})


def unload(apps, schema_editor):
    Domain = apps.get_model("contributors", "Domain")
    Domain.objects.exclude(parent=None).delete()
    Domain.objects.filter(parent=None).delete()


class Migration(migrations.Migration):
    dependencies = [("contributors", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
