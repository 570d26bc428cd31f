"""What the signer certifies on each form, in our words (the IRS forms' Part II of the W-9 and Part III of the W-8BEN)."""

from .models import TaxFormKind

CERTIFICATIONS: dict[str, list[str]] = {
    TaxFormKind.W9: [
        "Under penalties of perjury, I certify that:",
        "the number on this form is my correct taxpayer identification number;",
        "I am not subject to backup withholding, because I am exempt, or the IRS has not told me that I am, "
        "or has told me that I no longer am;",
        "I am a US citizen or other US person;",
        "I will sign a new form if any of this stops being true.",
    ],
    TaxFormKind.W8BEN: [
        "Under penalties of perjury, I declare that I have examined the information on this form and that, "
        "to the best of my knowledge and belief, it is true, correct and complete. I further certify that:",
        "I am the individual who is the beneficial owner of the income this form relates to;",
        "I am not a US person;",
        "the income is not effectively connected with a trade or business in the United States, or is "
        "effectively connected but not taxable there under an income tax treaty;",
        "if I claim treaty benefits, I am a resident of the treaty country named, within the meaning of that "
        "country's income tax treaty with the United States;",
        "I authorise this form to be given to any withholding agent that pays me, and I will sign a new form "
        "within 30 days if any certification on it becomes incorrect.",
    ],
}
