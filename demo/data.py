"""The demo data set loaded by ``manage.py seed_demo``.

Plain literals rather than generated fake data, so that every run loads the same people
and a demo script can refer to them by name. Every address uses the reserved ``.example``
top-level domain, so no mail can ever reach a real person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

DEMO_PASSWORD = "demo-password-2026"
DEMO_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class OpsUser:
    email: str
    full_name: str
    role: str
    timezone: str
    # Fixed so that the printed summary can tell a demo user what to add to an
    # authenticator app; these accounts only ever exist with DEBUG on.
    totp_secret: str
    label: str


OPS_USERS = (
    OpsUser(
        "reviewer@demo.example",
        "Noor Haddad",
        "ops_reviewer",
        "Europe/London",
        "NZXW64RNNBQWIZDBMQWXEZLWNFSXOZLS",
        "Operations reviewer",
    ),
    OpsUser(
        "reviewer2@demo.example",
        "Tomás Lindqvist",
        "ops_reviewer",
        "Europe/Stockholm",
        "ORXW2YLTFVWGS3TEOF3GS43UFVZGK5RS",
        "Second reviewer (approves expert-tier proposals)",
    ),
    OpsUser(
        "finance@demo.example",
        "Daniel Kowalski",
        "ops_finance",
        "Europe/Warsaw",
        "MRQW42LFNQWWW33XMFWHG23JFVTGS3RR",
        "Operations finance",
    ),
    # Pay runs and payout batches are approved by someone other than who started them.
    OpsUser(
        "finance2@demo.example",
        "Mei Tanaka",
        "ops_finance",
        "Asia/Tokyo",
        "MZUW4YLOMNSTELLUMFXGC23BFVZGKY3P",
        "Second finance (approves pay runs and payout batches)",
    ),
)

# The first account the seed creates; if it exists, the whole seed committed (it runs in
# one transaction), so its presence alone says the demo data is there.
MARKER_EMAIL = OPS_USERS[0].email


@dataclass(frozen=True)
class LabMember:
    email: str
    full_name: str
    role: str
    timezone: str


@dataclass(frozen=True)
class DemoLab:
    name: str
    country: str
    website: str
    # The first member is the owner who creates the lab.
    members: tuple[LabMember, ...]
    # The platform's fee on top of the pay, as agreed with each lab: 0.20 is 20% of the
    # pay (a lab funding 10,000 of pay pays 12,000; the platform keeps a sixth).
    platform_fee_markup: Decimal = Decimal("0.20")


LABS = (
    DemoLab(
        "Meridian Intelligence",
        "US",
        "https://meridian-intelligence.example",
        (
            LabMember("priya.raman@meridian-intelligence.example", "Priya Raman", "owner", "America/Los_Angeles"),
            LabMember("daniel.okafor@meridian-intelligence.example", "Daniel Okafor", "manager", "America/New_York"),
            LabMember("hannah.schultz@meridian-intelligence.example", "Hannah Schultz", "reviewer", "America/Chicago"),
        ),
    ),
    DemoLab(
        "Aurelia Labs",
        "GB",
        "https://aurelia-labs.example",
        (
            LabMember("oliver.bennett@aurelia-labs.example", "Oliver Bennett", "owner", "Europe/London"),
            LabMember("amara.nwosu@aurelia-labs.example", "Amara Nwosu", "reviewer", "Europe/London"),
            LabMember("felix.grant@aurelia-labs.example", "Felix Grant", "viewer", "Europe/Dublin"),
        ),
    ),
    DemoLab(
        "Nordlicht KI",
        "DE",
        "https://nordlicht-ki.example",
        (
            LabMember("lena.vogel@nordlicht-ki.example", "Lena Vogel", "owner", "Europe/Berlin"),
            LabMember("jonas.keller@nordlicht-ki.example", "Jonas Keller", "manager", "Europe/Zurich"),
        ),
    ),
)


@dataclass(frozen=True)
class Cred:
    kind: str
    field: str
    title: str
    issuer: str
    identifier: str
    issued_on: date
    # submitted, in_review, needs_info, verified, rejected or expired; "answered" is a
    # question asked and answered, which leaves the credential back in review.
    state: str
    # Relative to the day the seed runs, because the services refuse past expiry dates.
    expires_in_days: int | None = None
    note: str = ""
    answer: str = ""


@dataclass(frozen=True)
class DemoExpert:
    email: str
    legal_name: str
    display_name: str
    country: str
    subdivision: str
    timezone: str
    languages: tuple[str, ...]
    education: str
    specialties: tuple[str, ...]
    skills: tuple[str, ...]
    hours: int
    opt_outs: tuple[str, ...] = ()
    exposure_cap: int = 0
    credentials: tuple[Cred, ...] = ()
    # Tier decisions in order; "expert" goes through a second approver.
    tiers: tuple[str, ...] = ()
    # A move to the expert tier proposed and left for the second reviewer to approve.
    pending_expert: bool = False
    # A move to the expert tier the second reviewer declined, with this reason.
    declined_expert: str = ""


# Demo accounts worth signing in as, shown in the summary.
DEMO_EXPERT_EMAIL = "wanjiru.kamau@demo.example"
DEMO_LAB_EMAIL = LABS[0].members[0].email
# One expert who has not yet signed a tax form: the first payout waits for it, with that
# reason, and operations see them on the missing tax forms list.
NO_TAX_FORM_EMAIL = "jamal.wright@demo.example"

# One row per field group keeps each person readable at a glance; the formatter would
# put every value on its own line.
# fmt: off
EXPERTS = (
    # --- medicine ---------------------------------------------------------------------
    DemoExpert(
        "amelia.chen@demo.example", "Amelia Chen", "Dr Amelia Chen", "US", "US-CA", "America/Los_Angeles",
        ("en", "zh"), "professional", ("cardiology",),
        ("echocardiography", "ECG interpretation", "clinical guidelines"), 15,
        exposure_cap=240,
        credentials=(
            Cred("license", "cardiology", "Physician and Surgeon License", "Medical Board of California",
                 "A 148213", date(2011, 7, 1), "verified", expires_in_days=640),
            Cred("certification", "cardiology", "Board Certification in Cardiovascular Disease",
                 "American Board of Internal Medicine", "ABIM-302214", date(2015, 11, 12), "verified",
                 expires_in_days=1900),
        ),
        tiers=("domain", "expert"),
    ),
    DemoExpert(
        "marcus.johnson@demo.example", "Marcus Johnson", "Marcus J.", "US", "US-TX", "America/Chicago",
        ("en",), "professional", ("emergency-medicine",),
        ("triage", "trauma care", "toxicology"), 10,
        opt_outs=("sexual",), exposure_cap=120,
        credentials=(
            Cred("license", "emergency-medicine", "Physician License", "Texas Medical Board", "Q7781",
                 date(2014, 3, 3), "verified", expires_in_days=20),
        ),
        tiers=("generalist", "domain"),
    ),
    DemoExpert(
        "ananya.iyer@demo.example", "Ananya Iyer", "Dr Ananya", "IN", "IN-KA", "Asia/Kolkata",
        ("en", "hi", "kn"), "professional", ("radiology",),
        ("CT reading", "MRI protocols", "report writing"), 25,
        exposure_cap=300,
        credentials=(
            Cred("degree", "medicine", "MBBS", "Rajiv Gandhi University of Health Sciences", "RGUHS-09-4471",
                 date(2012, 8, 20), "verified"),
            Cred("degree", "radiology", "MD Radiodiagnosis", "St John's Medical College, Bengaluru", "SJMC-RD-1138",
                 date(2016, 5, 31), "verified"),
        ),
        tiers=("domain",),
        pending_expert=True,
    ),
    DemoExpert(
        DEMO_EXPERT_EMAIL, "Wanjiru Kamau", "Dr Wanjiru", "KE", "KE-30", "Africa/Nairobi",
        ("en", "sw"), "professional", ("infectious-disease", "primary-care"),
        ("HIV care", "tuberculosis management", "community health"), 20,
        opt_outs=("sexual", "extremism"), exposure_cap=60,
        credentials=(
            Cred("license", "infectious-disease", "Medical Practitioner Licence",
                 "Kenya Medical Practitioners and Dentists Council", "KMPDC-A11902", date(2013, 1, 15),
                 "needs_info", expires_in_days=300,
                 note="The registration number at the bottom of the scan is cut off. Could you upload the full "
                 "page, or tell us the number exactly as printed?"),
        ),
    ),
    DemoExpert(
        "thomas.mueller@demo.example", "Thomas Müller", "Dr Müller", "DE", "DE-BY", "Europe/Berlin",
        ("de", "en"), "professional", ("neurology",),
        ("stroke care", "EEG", "movement disorders"), 8,
        exposure_cap=180,
        credentials=(
            Cred("license", "medicine", "Approbation als Arzt", "Regierung von Oberbayern", "APP-2007-55120",
                 date(2007, 10, 1), "verified"),
            Cred("certification", "neurology", "Facharzt für Neurologie", "Bayerische Landesärztekammer",
                 "BLAEK-FA-88213", date(2013, 4, 22), "verified"),
        ),
        tiers=("domain", "expert"),
    ),
    DemoExpert(
        "camille.laurent@demo.example", "Camille Laurent", "Camille L.", "FR", "FR-75C", "Europe/Paris",
        ("fr", "en"), "professional", ("pharmacology",),
        ("drug interactions", "dosing", "pharmacovigilance"), 12,
        opt_outs=("violence",),
        credentials=(
            Cred("degree", "pharmacology", "Diplôme d'État de docteur en pharmacie", "Université Paris Cité",
                 "UPC-PHARM-2016-0412", date(2016, 6, 30), "verified"),
        ),
        tiers=("crowd", "generalist"),
    ),
    DemoExpert(
        "rafael.oliveira@demo.example", "Rafael Oliveira", "Rafael", "BR", "BR-SP", "America/Sao_Paulo",
        ("pt", "es", "en"), "professional", ("pediatrics",),
        ("neonatology", "vaccination schedules"), 16,
        exposure_cap=90,
        credentials=(
            Cred("license", "pediatrics", "Registro Profissional de Médico", "Conselho Regional de Medicina do "
                 "Estado de São Paulo", "CRM-SP 184320", date(2015, 2, 9), "in_review"),
        ),
    ),
    DemoExpert(
        "maria.santos@demo.example", "Maria Clara Santos", "Maria S.", "PH", "PH-00", "Asia/Manila",
        ("en", "tl"), "bachelor", ("primary-care",),
        ("patient education", "wound care", "medical terminology"), 30,
        opt_outs=("sexual", "violence", "child_safety"),
        credentials=(
            Cred("license", "primary-care", "Professional Nurse Licence", "Professional Regulation Commission",
                 "PRC-RN-0749921", date(2017, 12, 4), "verified", expires_in_days=420),
        ),
        tiers=("crowd",),
    ),
    DemoExpert(
        "emily.carter@demo.example", "Emily Carter", "Dr Carter", "US", "US-NY", "America/New_York",
        ("en",), "professional", ("psychiatry",),
        ("crisis assessment", "CBT", "suicide risk screening"), 6,
        exposure_cap=300,
        credentials=(
            Cred("license", "psychiatry", "Physician License", "New York State Education Department",
                 "NY-271044", date(2016, 9, 1), "expired", expires_in_days=1),
        ),
        tiers=("generalist",),
    ),
    # --- law --------------------------------------------------------------------------
    DemoExpert(
        "jonathan.park@demo.example", "Jonathan Park", "J. Park", "US", "US-NY", "America/New_York",
        ("en", "ko"), "professional", ("securities", "corporate-law"),
        ("SEC filings", "M&A due diligence", "Delaware law"), 10,
        credentials=(
            Cred("license", "securities", "Attorney and Counselor at Law", "New York State Unified Court System",
                 "NY-5123987", date(2010, 2, 17), "verified"),
            Cred("degree", "law", "Juris Doctor", "Columbia Law School", "CLS-JD-2009-311", date(2009, 5, 20),
                 "verified"),
        ),
        tiers=("domain", "expert"),
    ),
    DemoExpert(
        "rebecca.goldstein@demo.example", "Rebecca Goldstein", "Rebecca G.", "US", "US-CA", "America/Los_Angeles",
        ("en", "he"), "professional", ("employment-law",),
        ("wage and hour", "discrimination claims", "arbitration"), 12,
        opt_outs=("hate",),
        credentials=(
            Cred("license", "employment-law", "Active Member of the State Bar", "The State Bar of California",
                 "SBN 287114", date(2012, 12, 3), "verified"),
        ),
        tiers=("domain",),
    ),
    DemoExpert(
        "olivia.hughes@demo.example", "Olivia Hughes", "Olivia H.", "GB", "GB-ENG", "Europe/London",
        ("en", "fr"), "master", ("contracts", "intellectual-property"),
        ("commercial contracts", "licensing", "trade marks"), 14,
        credentials=(
            Cred("license", "contracts", "Solicitor of the Senior Courts of England and Wales",
                 "Solicitors Regulation Authority", "SRA 612233", date(2014, 9, 1), "verified",
                 expires_in_days=330),
        ),
        tiers=("domain",),
    ),
    DemoExpert(
        "lukas.becker@demo.example", "Lukas Becker", "Lukas", "DE", "DE-BE", "Europe/Berlin",
        ("de", "en"), "master", ("privacy-and-data-protection",),
        ("GDPR", "data processing agreements", "DPIAs"), 20,
        credentials=(
            Cred("degree", "privacy-and-data-protection", "Zweite Juristische Staatsprüfung",
                 "Gemeinsames Juristisches Prüfungsamt Berlin-Brandenburg", "GJPA-2019-2281", date(2019, 11, 8),
                 "submitted"),
        ),
    ),
    DemoExpert(
        "diego.hernandez@demo.example", "Diego Hernández Ruiz", "Diego H.", "MX", "MX-CMX", "America/Mexico_City",
        ("es", "en"), "bachelor", ("tax-law",),
        ("VAT", "transfer pricing"), 25,
        opt_outs=("drugs",),
        credentials=(
            Cred("license", "tax-law", "Cédula Profesional de Licenciado en Derecho",
                 "Secretaría de Educación Pública", "10448213", date(2018, 7, 2), "rejected",
                 note="The cédula number on the document does not match the number in the SEP public registry, "
                 "and the name on the registry entry is different. Please upload your own cédula."),
        ),
    ),
    DemoExpert(
        "priyanka.deshmukh@demo.example", "Priyanka Deshmukh", "Priyanka D.", "IN", "IN-MH", "Asia/Kolkata",
        ("en", "hi", "mr"), "master", ("corporate-law", "international-law"),
        ("cross-border M&A", "arbitration", "FEMA compliance"), 18,
        credentials=(
            Cred("license", "corporate-law", "Advocate Enrolment", "Bar Council of Maharashtra and Goa",
                 "MAH/2311/2013", date(2013, 8, 19), "verified"),
        ),
        tiers=("generalist",),
    ),
    DemoExpert(
        "chloe.dubois@demo.example", "Chloé Dubois", "Chloé", "CA", "CA-QC", "America/Toronto",
        ("fr", "en"), "professional", ("immigration",),
        ("work permits", "refugee claims", "family sponsorship"), 10,
        opt_outs=("violence",), exposure_cap=60,
        credentials=(
            Cred("license", "immigration", "Avocate, membre du Barreau du Québec", "Barreau du Québec",
                 "BQ-209118", date(2015, 1, 12), "verified", expires_in_days=12),
        ),
        tiers=("domain",),
    ),
    # --- computer science -------------------------------------------------------------
    DemoExpert(
        "kevin.nguyen@demo.example", "Kevin Nguyen", "Kevin N.", "US", "US-WA", "America/Los_Angeles",
        ("en", "vi"), "doctorate", ("distributed-systems", "databases"),
        ("consensus protocols", "Rust", "query optimisation", "Kubernetes"), 12,
        credentials=(
            Cred("degree", "distributed-systems", "PhD in Computer Science", "University of Washington",
                 "UW-PHD-CS-2017-044", date(2017, 6, 10), "verified"),
            Cred("employment", "databases", "Principal Engineer, storage infrastructure", "Cascade Cloud Inc.",
                 "", date(2019, 3, 1), "verified"),
        ),
        tiers=("domain", "expert"),
    ),
    DemoExpert(
        "sarah.mitchell@demo.example", "Sarah Mitchell", "Sarah M.", "US", "US-WA", "America/Los_Angeles",
        ("en",), "bachelor", ("security",),
        ("penetration testing", "threat modelling", "web security"), 20,
        opt_outs=("child_safety",), exposure_cap=120,
        credentials=(
            Cred("certification", "security", "Offensive Security Certified Professional (OSCP)",
                 "OffSec", "OS-101-77341", date(2020, 4, 18), "verified", expires_in_days=610),
            Cred("certification", "security", "CISSP", "ISC2", "ISC2-884210", date(2023, 2, 1), "in_review",
                 expires_in_days=700),
        ),
        tiers=("domain",),
        declined_expert="Wait until the CISSP is verified; one certification is thin for the expert tier.",
    ),
    DemoExpert(
        "arjun.mehta@demo.example", "Arjun Mehta", "Arjun", "IN", "IN-KA", "Asia/Kolkata",
        ("en", "hi"), "master", ("machine-learning", "natural-language-processing"),
        ("PyTorch", "transformer fine-tuning", "evaluation design"), 30,
        exposure_cap=120,
        credentials=(
            Cred("degree", "machine-learning", "M.Tech in Computer Science and Engineering",
                 "Indian Institute of Science, Bengaluru", "IISc-MT-2018-0981", date(2018, 7, 14), "verified"),
            Cred("publication", "natural-language-processing",
                 "Robust Evaluation of Multilingual Question Answering (ACL Findings)",
                 "Association for Computational Linguistics", "doi:10.0000/demo.acl.0412", date(2022, 5, 22),
                 "submitted"),
        ),
        tiers=("crowd", "generalist"),
    ),
    DemoExpert(
        "jamal.wright@demo.example", "Jamal Wright", "Jamal W.", "US", "US-TX", "America/Chicago",
        ("en",), "bachelor", ("programming-languages", "systems-programming"),
        ("C++", "Go", "compilers"), 35,
        credentials=(
            Cred("employment", "systems-programming", "Software Engineer II", "Lone Star Embedded Systems",
                 "", date(2019, 8, 5), "verified"),
        ),
        tiers=("crowd",),
    ),
    DemoExpert(
        "mercy.wambui@demo.example", "Mercy Wambui", "Mercy", "KE", "KE-30", "Africa/Nairobi",
        ("en", "sw"), "master", ("machine-learning", "computer-vision"),
        ("image annotation QA", "Python", "model evaluation"), 40,
        opt_outs=("sexual", "medical_graphic"),
        credentials=(
            Cred("degree", "computer-science", "MSc in Computer Science", "University of Nairobi",
                 "UON-MSC-CS-2020-117", date(2020, 12, 11), "verified"),
        ),
        tiers=("crowd", "generalist"),
    ),
    DemoExpert(
        "gabriel.costa@demo.example", "Gabriel Costa", "Gabriel", "BR", "BR-RJ", "America/Sao_Paulo",
        ("pt", "en"), "master", ("algorithms",),
        ("competitive programming", "graph algorithms"), 22,
        credentials=(
            Cred("degree", "algorithms", "Mestrado em Informática", "Pontifícia Universidade Católica do Rio de "
                 "Janeiro", "PUC-RIO-MI-2021-208", date(2021, 3, 26), "answered",
                 note="Is this the final diploma or a provisional certificate? The document says 'declaração'.",
                 answer="It is the provisional declaration; the university issues the final diploma after a year. "
                 "I have attached the registrar's letter confirming the degree was conferred."),
        ),
    ),
    DemoExpert(
        "hannah.fischer@demo.example", "Hannah Fischer", "Dr Fischer", "DE", "DE-HH", "Europe/Berlin",
        ("de", "en"), "doctorate", ("computer-vision",),
        ("3D reconstruction", "dataset curation", "segmentation"), 10,
        opt_outs=("violence", "medical_graphic"),
        credentials=(
            Cred("publication", "computer-vision", "Self-supervised Depth from Monocular Video (CVPR)",
                 "IEEE/CVF", "doi:10.0000/demo.cvpr.2208", date(2021, 6, 19), "verified"),
        ),
        tiers=("domain",),
    ),
    DemoExpert(
        "paolo.reyes@demo.example", "Paolo Reyes", "Paolo", "PH", "PH-CEB", "Asia/Manila",
        ("en", "tl"), "bachelor", ("databases",),
        ("SQL", "data cleaning", "spreadsheet QA"), 40,
        exposure_cap=30,
        tiers=("bulk",),
    ),
    DemoExpert(
        "liam.oconnor@demo.example", "Liam O'Connor", "Liam", "CA", "CA-ON", "America/Toronto",
        ("en",), "bachelor", ("machine-learning",),
        ("MLOps", "data pipelines"), 15,
        credentials=(
            Cred("certification", "machine-learning", "Professional Machine Learning Engineer", "Google Cloud",
                 "GCP-PMLE-55812", date(2023, 5, 2), "rejected", expires_in_days=500,
                 note="The certificate is issued to a different name (L. O'Connell) and the verification link "
                 "returns no record. Please submit your own certificate."),
        ),
        tiers=("bulk", "crowd"),
    ),
    # --- mathematics ------------------------------------------------------------------
    DemoExpert(
        "eleanor.whitfield@demo.example", "Eleanor Whitfield", "Dr Whitfield", "GB", "GB-SCT", "Europe/London",
        ("en",), "doctorate", ("analysis", "probability"),
        ("measure theory", "stochastic processes", "proof checking"), 8,
        credentials=(
            Cred("degree", "mathematics", "PhD in Mathematics", "University of Edinburgh", "UoE-PHD-MATH-2014-19",
                 date(2014, 11, 28), "verified"),
        ),
        tiers=("domain",),
    ),
    DemoExpert(
        "rahul.banerjee@demo.example", "Rahul Banerjee", "Rahul B.", "IN", "IN-DL", "Asia/Kolkata",
        ("en", "hi", "bn"), "doctorate", ("number-theory", "algebra"),
        ("olympiad problems", "LaTeX", "proof writing"), 20,
        credentials=(
            Cred("degree", "number-theory", "PhD in Mathematics", "Indian Statistical Institute, Delhi",
                 "ISI-PHD-2019-033", date(2019, 9, 30), "in_review"),
        ),
    ),
    DemoExpert(
        "ana.torres@demo.example", "Ana Lucía Torres", "Ana T.", "MX", "MX-JAL", "America/Mexico_City",
        ("es", "en"), "master", ("statistics", "probability"),
        ("R", "Bayesian inference", "survey design"), 24,
        credentials=(
            Cred("degree", "statistics", "Maestría en Ciencias en Estadística", "Universidad de Guadalajara",
                 "UDG-MCE-2017-140", date(2017, 8, 18), "verified"),
        ),
        tiers=("generalist",),
    ),
    DemoExpert(
        "benjamin.lee@demo.example", "Benjamin Lee", "Ben Lee", "US", "US-MA", "America/New_York",
        ("en",), "doctorate", ("statistics",),
        ("causal inference", "clinical trial design", "Stan"), 10,
        credentials=(
            Cred("degree", "statistics", "PhD in Biostatistics", "Boston University", "BU-PHD-BIOS-2016-07",
                 date(2016, 5, 15), "verified"),
        ),
        tiers=("domain",),
    ),
    DemoExpert(
        "juliette.martin@demo.example", "Juliette Martin", "Juliette", "FR", "FR-ARA", "Europe/Paris",
        ("fr", "en"), "master", ("geometry",),
        ("differential geometry", "teaching"), 12,
        credentials=(
            Cred("certification", "mathematics", "Agrégation externe de mathématiques",
                 "Ministère de l'Éducation nationale", "AGREG-2018-0455", date(2018, 7, 6), "submitted"),
        ),
    ),
    # --- finance ----------------------------------------------------------------------
    DemoExpert(
        "michael.obrien@demo.example", "Michael O'Brien", "Mike O'Brien", "US", "US-IL", "America/Chicago",
        ("en",), "bachelor", ("accounting", "auditing"),
        ("US GAAP", "SOX controls", "revenue recognition"), 15,
        credentials=(
            Cred("license", "accounting", "Certified Public Accountant", "Illinois Department of Financial and "
                 "Professional Regulation", "065.041877", date(2012, 10, 1), "verified", expires_in_days=800),
        ),
        tiers=("domain",),
    ),
    DemoExpert(
        "aditi.sharma@demo.example", "Aditi Sharma", "Aditi", "CA", "CA-ON", "America/Toronto",
        ("en", "hi"), "master", ("quantitative-finance",),
        ("derivatives pricing", "risk models", "Python"), 10,
        credentials=(
            Cred("certification", "quantitative-finance", "CFA Charter", "CFA Institute", "CFA-1184420",
                 date(2019, 9, 15), "verified"),
        ),
        tiers=("generalist", "domain"),
    ),
    DemoExpert(
        "james.thornton@demo.example", "James Thornton", "James T.", "GB", "GB-LND", "Europe/London",
        ("en",), "bachelor", ("corporate-finance",),
        ("financial modelling", "valuation"), 12,
        credentials=(
            Cred("certification", "corporate-finance", "Practising Certificate, Chartered Accountant (ACA)",
                 "ICAEW", "ICAEW-8812004", date(2016, 1, 1), "expired", expires_in_days=1),
        ),
        tiers=("crowd",),
    ),
    DemoExpert(
        "lucas.ferreira@demo.example", "Lucas Ferreira", "Lucas F.", "BR", "BR-MG", "America/Sao_Paulo",
        ("pt",), "bachelor", ("accounting",),
        ("IFRS", "Brazilian tax reporting"), 30,
        credentials=(
            Cred("license", "accounting", "Registro de Contador", "Conselho Regional de Contabilidade de Minas "
                 "Gerais", "CRC-MG 098112", date(2018, 4, 10), "needs_info",
                 note="Please also upload the certidão de regularidade, which shows the registration is current."),
        ),
    ),
    DemoExpert(
        "grace.otieno@demo.example", "Grace Otieno", "Grace O.", "KE", "KE-30", "Africa/Nairobi",
        ("en", "sw"), "bachelor", ("auditing",),
        ("internal audit", "IFRS", "fraud risk"), 20,
        credentials=(
            Cred("certification", "auditing", "Certified Public Accountant of Kenya",
                 "Institute of Certified Public Accountants of Kenya", "ICPAK-21904", date(2015, 6, 26),
                 "verified", expires_in_days=25),
        ),
        tiers=("generalist",),
    ),
    # --- sciences, engineering, linguistics ---------------------------------------------
    DemoExpert(
        "isabel.garcia@demo.example", "Isabel García Navarro", "Dr García", "MX", "MX-NLE", "America/Monterrey",
        ("es", "en"), "doctorate", ("genetics", "molecular-biology"),
        ("CRISPR", "sequencing analysis", "lab protocols"), 10,
        credentials=(
            Cred("degree", "genetics", "Doctorado en Ciencias con orientación en Biología Molecular",
                 "Universidad Autónoma de Nuevo León", "UANL-DC-2015-061", date(2015, 12, 4), "verified"),
        ),
        tiers=("domain",),
    ),
    DemoExpert(
        "samuel.adeyemi@demo.example", "Samuel Adeyemi", "Dr Sam", "GB", "GB-MAN", "Europe/London",
        ("en", "yo"), "doctorate", ("astrophysics",),
        ("radio astronomy", "numerical simulation"), 8,
        credentials=(
            Cred("degree", "physics", "PhD in Astrophysics", "University of Manchester", "UoM-PHD-ASTRO-2018-22",
                 date(2018, 7, 12), "verified"),
        ),
        tiers=("generalist",),
    ),
    DemoExpert(
        "noah.schmidt@demo.example", "Noah Schmidt", "Noah", "DE", "", "Europe/Berlin",
        ("de", "en"), "master", ("electrical-engineering",),
        ("power electronics", "circuit simulation"), 15,
        credentials=(
            Cred("degree", "electrical-engineering", "Master of Science Elektrotechnik",
                 "Technische Universität München", "TUM-MSC-ET-2020-381", date(2020, 10, 30), "verified"),
        ),
        tiers=("crowd",),
    ),
    DemoExpert(
        "marisol.delacruz@demo.example", "Marisol Dela Cruz", "Marisol", "PH", "PH-00", "Asia/Manila",
        ("en", "tl", "es"), "bachelor", ("translation",),
        ("Tagalog-English translation", "localisation QA"), 35,
        opt_outs=("sexual", "self_harm"),
        credentials=(
            Cred("certification", "translation", "Certified Translator (English-Filipino)",
                 "Philippine Translators Guild", "PTG-2211", date(2019, 3, 14), "verified", expires_in_days=900),
        ),
        tiers=("crowd",),
    ),
    DemoExpert(
        "lea.moreau@demo.example", "Léa Moreau", "Dr Moreau", "CA", "CA-BC", "America/Vancouver",
        ("fr", "en"), "doctorate", ("syntax", "phonetics"),
        ("corpus annotation", "French-English parallel text"), 12,
        credentials=(
            Cred("degree", "linguistics", "PhD in Linguistics", "University of British Columbia",
                 "UBC-PHD-LING-2019-12", date(2019, 5, 24), "verified"),
        ),
        tiers=("generalist",),
    ),
    DemoExpert(
        "ethan.brooks@demo.example", "Ethan Brooks", "Ethan", "US", "US-CA", "America/Los_Angeles",
        ("en",), "bachelor", ("mechanical-engineering",),
        ("CAD", "FEA"), 10,
    ),
    DemoExpert(
        "daniela.ruiz@demo.example", "Daniela Ruiz", "Daniela", "MX", "MX-CMX", "America/Mexico_City",
        ("es", "en"), "master", ("organic-chemistry",),
        ("synthesis planning", "NMR interpretation"), 18,
        opt_outs=("drugs",),
    ),
)
# fmt: on

TIER_REASONS = {
    "bulk": "Onboarding complete; starting on high-volume labelling tasks.",
    "crowd": "Profile and languages checked; suitable for crowd tasks while credentials are reviewed.",
    "generalist": "Verified degree or licence; suitable for general tasks in {field}.",
    "domain": "Verified credentials in {field}; cleared for domain-specific projects.",
    "expert": "Senior verified credentials in {field} and consistently accurate reviews; proposing the expert tier.",
}


@dataclass(frozen=True)
class DemoAssessment:
    title: str
    domain: str
    description: str
    questions: tuple[dict, ...]
    pass_mark_percent: int
    time_limit_minutes: int
    # (expert email, answers); None answers leave the attempt in progress.
    attempts: tuple[tuple[str, list | None], ...]


ASSESSMENTS = (
    DemoAssessment(
        "Cardiology clinical reasoning",
        "cardiology",
        "Five short clinical vignettes. Paid at your usual rate for the time you take, up to 30 minutes.",
        (
            {
                "prompt": "A 58-year-old has crushing chest pain with ST elevation in leads II, III and aVF. "
                "Which artery is most likely occluded?",
                "choices": ["Left anterior descending", "Right coronary artery", "Left circumflex", "Left main"],
                "answer": 1,
            },
            {
                "prompt": "First-line drug class for rate control in stable atrial fibrillation with preserved "
                "ejection fraction?",
                "choices": ["Beta blockers", "Loop diuretics", "ACE inhibitors", "Nitrates"],
                "answer": 0,
            },
            {
                "prompt": "Which finding best distinguishes constrictive pericarditis from restrictive cardiomyopathy?",
                "choices": [
                    "Raised jugular venous pressure",
                    "Peripheral oedema",
                    "Respiratory variation in ventricular filling",
                    "Reduced ejection fraction",
                ],
                "answer": 2,
            },
            {
                "prompt": "CHA2DS2-VASc score of a 70-year-old woman with hypertension and no other risk factors?",
                "choices": ["1", "2", "3", "4"],
                "answer": 2,
            },
            {
                "prompt": "Which electrolyte abnormality produces peaked T waves?",
                "choices": ["Hypokalaemia", "Hyperkalaemia", "Hypocalcaemia", "Hypermagnesaemia"],
                "answer": 1,
            },
        ),
        70,
        30,
        (
            ("amelia.chen@demo.example", [1, 0, 2, 2, 1]),
            ("ananya.iyer@demo.example", [1, 0, 2, 1, 1]),
            ("marcus.johnson@demo.example", [0, 0, 1, 2, None]),
        ),
    ),
    DemoAssessment(
        "Contract law fundamentals",
        "contracts",
        "Common-law contract formation, terms and remedies.",
        (
            {
                "prompt": "Under the mirror-image rule, a reply that adds new terms to an offer is:",
                "choices": [
                    "An acceptance",
                    "A counter-offer that rejects the original offer",
                    "A binding contract on the original terms",
                    "An invitation to treat",
                ],
                "answer": 1,
            },
            {
                "prompt": "Which is generally NOT required for a valid contract in common-law jurisdictions?",
                "choices": [
                    "Offer and acceptance",
                    "Consideration",
                    "Intention to create legal relations",
                    "A written signature",
                ],
                "answer": 3,
            },
            {
                "prompt": "Expectation damages aim to:",
                "choices": [
                    "Punish the party in breach",
                    "Put the claimant where they would have been had the contract been performed",
                    "Return both parties to their pre-contract positions",
                    "Repay only out-of-pocket expenses",
                ],
                "answer": 1,
            },
            {
                "prompt": "A term so important that any breach lets the innocent party terminate is a:",
                "choices": ["Warranty", "Condition", "Innominate term", "Representation"],
                "answer": 1,
            },
        ),
        75,
        25,
        (
            ("olivia.hughes@demo.example", [1, 3, 1, 1]),
            ("rebecca.goldstein@demo.example", [1, 3, 2, 1]),
        ),
    ),
    DemoAssessment(
        "Probability and statistics screening",
        "probability",
        "Undergraduate-level probability and inference.",
        (
            {
                "prompt": "Two fair dice are rolled. What is the probability that the sum is 7?",
                "choices": ["1/12", "1/6", "1/36", "7/36"],
                "answer": 1,
            },
            {"prompt": "X ~ Poisson(3). What is Var(X)?", "choices": ["1", "3", "9", "√3"], "answer": 1},
            {
                "prompt": "A test with 99% sensitivity and 95% specificity is used where 1% have the condition. "
                "Roughly what share of positive results are true positives?",
                "choices": ["About 99%", "About 95%", "About 50%", "About 17%"],
                "answer": 3,
            },
            {
                "prompt": "Which estimator of the population variance is unbiased for an i.i.d. sample of size n?",
                "choices": [
                    "Sum of squared deviations / n",
                    "Sum of squared deviations / (n - 1)",
                    "Sum of squared deviations / (n + 1)",
                    "Squared range / 4",
                ],
                "answer": 1,
            },
            {
                "prompt": "If X and Y are independent, Cov(X, Y) is:",
                "choices": ["1", "0", "Var(X)·Var(Y)", "Undefined"],
                "answer": 1,
            },
        ),
        60,
        20,
        (
            ("ana.torres@demo.example", [1, 1, 3, 1, 1]),
            ("eleanor.whitfield@demo.example", [1, 1, 2, 1, 1]),
            ("mercy.wambui@demo.example", [1, 2, 0, 0, 1]),
            ("rahul.banerjee@demo.example", None),
        ),
    ),
)


@dataclass(frozen=True)
class DemoCase:
    expert_email: str
    concern: str
    # With evidence the case goes to notice; with a dismissal reason it is closed at once.
    evidence: str = ""
    dismissal: str = ""


CASES = (
    DemoCase(
        "jamal.wright@demo.example",
        "Several answers in the code-review project appear to be copied from public repositories "
        "without attribution, which the project guidelines forbid.",
        evidence="Tasks 4418, 4421 and 4430 (submitted last week) match public GitHub files line for line, "
        "including the original comments. The comparison report is attached to the case.",
    ),
    DemoCase(
        "paolo.reyes@demo.example",
        "Completion times on the spreadsheet QA batch were far below the project median.",
        dismissal="The task logs show these were the short single-column checks; the times are normal for that "
        "task type and the accuracy spot checks passed. No action.",
    ),
)
