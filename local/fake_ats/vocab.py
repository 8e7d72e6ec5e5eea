"""Built-in word lists the generator draws from: multicultural names (with their ASCII forms for emails),
places, companies, job titles, pipeline stages and recruiter prose."""

from __future__ import annotations

import re
import unicodedata

_SPECIAL_LETTERS = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ı": "i",  # noqa: RUF001 - Turkish dotless i, on purpose
        "þ": "th",
        "Þ": "Th",
    }
)


def ascii_fold(text: str) -> str:
    """ "Łukasz Nguyễn" -> "Lukasz Nguyen": the form a name takes in an email address."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def email_part(text: str) -> str:
    """A name as the local part (or domain label) of an email address: folded, lowercase, [a-z0-9] only."""
    return re.sub(r"[^a-z0-9]", "", ascii_fold(text).lower())


def _with_email_parts(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((name, email_part(name)) for name in names)


FIRST_NAMES = _with_email_parts(
    (
        "José",
        "Zoë",
        "Łukasz",
        "Małgorzata",
        "Ngọc",
        "Thảo",
        "Minh",
        "Chloé",
        "Björn",
        "Søren",
        "Åsa",
        "Ólafur",
        "Siobhán",
        "Seán",
        "François",
        "Anaïs",
        "Maëlle",
        "Noémie",
        "Renée",
        "Jürgen",
        "Věra",
        "Ondřej",
        "Kateřina",
        "İlkay",
        "Çağla",
        "Elif",
        "Ahmet",
        "Tomás",
        "Inés",
        "Joaquín",
        "María",
        "Lucía",
        "João",
        "Conceição",
        "Aisha",
        "Fatima",
        "Omar",
        "Leila",
        "Chiamaka",
        "Oluwaseun",
        "Kwame",
        "Ama",
        "Priya",
        "Arjun",
        "Ananya",
        "Ravi",
        "Mei",
        "Wei",
        "Xiaoming",
        "Hiroshi",
        "Yuki",
        "Hana",
        "Min-jun",
        "Ji-woo",
        "Dmitri",
        "Anastasia",
        "Olga",
        "Matteo",
        "Giulia",
        "Emma",
        "Liam",
        "Olivia",
        "Noah",
        "Sophia",
        "Ethan",
        "Grace",
        "Ada",
        "Alan",
        "Mary-Kate",
        "Jean-Luc",
    )
)

LAST_NAMES = _with_email_parts(
    (
        "García",
        "Nguyễn",
        "Trần",
        "Lê",
        "Kowalski",
        "Wiśniewska",
        "Müller",
        "Schröder",
        "O'Brien",
        "Ó Súilleabháin",
        "MacDonald",
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Patel",
        "Sharma",
        "Iyer",
        "Okafor",
        "Adeyemi",
        "Mensah",
        "Kim",
        "Park",
        "Lee",
        "Chen",
        "Wang",
        "Li",
        "Ng",
        "Tanaka",
        "Satō",
        "Yamamoto",
        "Rossi",
        "Bianchi",
        "Dubois",
        "Lefèvre",
        "Fernández",
        "Hernández",
        "Gonçalves",
        "Silva",
        "Costa",
        "Sørensen",
        "Johansson",
        "Andersson",
        "Öztürk",
        "Yılmaz",  # noqa: RUF001 - Turkish dotless i, on purpose
        "Ivanova",
        "Novák",
        "Dvořák",
        "Kovač",
        "Nagy",
        "Papadopoulos",
        "Haddad",
        "Al-Farsi",
        "Cohen",
        "Levi",
        "van der Berg",
        "de la Cruz",
        "Þórsdóttir",
    )
)

MIDDLE_INITIALS = "ABCDEFGHJKLMNOPRSTVW"
PREFIXES = ("Dr.", "Mr.", "Ms.", "Mx.", "Prof.")
SUFFIXES = ("Jr.", "Sr.", "II", "III", "PhD", "MBA")

CUSTOMER_COMPANIES = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark Industries",
    "Wayne Enterprises",
    "Soylent",
    "Vandelay Industries",
    "Tyrell",
)
"""The company whose ATS account this is; its email domain is ``<name>.example``."""

EMPLOYERS = (
    "Northwind Traders",
    "Contoso",
    "Fabrikam",
    "Tailspin Toys",
    "Wide World Importers",
    "Adventure Works",
    "Litware",
    "Proseware",
    "Woodgrove Bank",
    "Alpine Ski House",
    "Blue Yonder Airlines",
    "Coho Winery",
    "Fourth Coffee",
    "Lamna Healthcare",
    "Margie's Travel",
    "Trey Research",
    "Wingtip Toys",
    "Relecloud",
    "Humongous Insurance",
    "Société Générale Démo",
    "Müller & Söhne GmbH",
    "Café Ñandú",
)
"""Where candidates work now; each has an email domain ``<name folded>.example``."""

PERSONAL_DOMAINS = ("mail.example", "inbox.example", "post.example", "correo.example", "posteo.example")

# (city, region or None, ISO country, phone prefix, postal pattern: '#' digit, 'A' letter)
LOCATIONS: tuple[tuple[str, str | None, str, str, str], ...] = (
    ("San Francisco", "CA", "US", "+1 415", "941##"),
    ("New York", "NY", "US", "+1 212", "100##"),
    ("Austin", "TX", "US", "+1 512", "787##"),
    ("Seattle", "WA", "US", "+1 206", "981##"),
    ("Chicago", "IL", "US", "+1 312", "606##"),
    ("Boston", "MA", "US", "+1 617", "021##"),
    ("Toronto", "ON", "CA", "+1 416", "M#A #A#"),
    ("Montréal", "QC", "CA", "+1 514", "H#A #A#"),
    ("London", "England", "GB", "+44 20", "EC#A #AA"),
    ("Manchester", "England", "GB", "+44 161", "M# #AA"),
    ("Dublin", "Leinster", "IE", "+353 1", "D0#"),
    ("Berlin", "Berlin", "DE", "+49 30", "10###"),
    ("München", "Bayern", "DE", "+49 89", "80###"),
    ("Zürich", "Zürich", "CH", "+41 44", "80##"),
    ("Paris", "Île-de-France", "FR", "+33 1", "750##"),
    ("Lyon", "Auvergne-Rhône-Alpes", "FR", "+33 4", "6900#"),
    ("Madrid", "Madrid", "ES", "+34 91", "280##"),
    ("Barcelona", "Cataluña", "ES", "+34 93", "080##"),
    ("Lisboa", "Lisboa", "PT", "+351 21", "1###-###"),
    ("Amsterdam", "Noord-Holland", "NL", "+31 20", "10## AA"),
    ("Stockholm", "Stockholm", "SE", "+46 8", "1## ##"),
    ("København", "Hovedstaden", "DK", "+45", "1###"),
    ("Kraków", "Małopolskie", "PL", "+48 12", "3#-###"),
    ("Warszawa", "Mazowieckie", "PL", "+48 22", "0#-###"),
    ("São Paulo", "SP", "BR", "+55 11", "0####-###"),
    ("Ciudad de México", "CDMX", "MX", "+52 55", "0####"),
    ("Bengaluru", "Karnataka", "IN", "+91 80", "560###"),
    ("Singapore", None, "SG", "+65", "######"),
    ("Tokyo", "Tokyo", "JP", "+81 3", "1##-####"),
    ("Sydney", "NSW", "AU", "+61 2", "2###"),
    ("Hà Nội", "Hà Nội", "VN", "+84 24", "100###"),
    ("Lagos", "Lagos", "NG", "+234 1", "1#####"),
    ("Nairobi", "Nairobi", "KE", "+254 20", "00###"),
    ("Tel Aviv", "Tel Aviv", "IL", "+972 3", "6######"),
    ("Dubai", "Dubai", "AE", "+971 4", "#####"),
)

STREETS = (
    "Main Street",
    "Market Street",
    "High Street",
    "Rua Augusta",
    "Calle Mayor",
    "Königstraße",
    "Rue de Rivoli",
    "ulica Floriańska",
    "Strøget",
    "Avenida Paulista",
    "Church Road",
    "Station Road",
    "Elm Avenue",
    "Phố Huế",
)

JOB_FUNCTIONS = (
    "Software Engineer",
    "Backend Engineer",
    "Frontend Engineer",
    "Mobile Engineer",
    "Data Scientist",
    "Data Engineer",
    "Machine Learning Engineer",
    "Product Manager",
    "Product Designer",
    "UX Researcher",
    "DevOps Engineer",
    "Site Reliability Engineer",
    "Security Engineer",
    "QA Engineer",
    "Solutions Architect",
    "Account Executive",
    "Sales Development Representative",
    "Customer Success Manager",
    "Marketing Manager",
    "Content Strategist",
    "Financial Analyst",
    "Accountant",
    "HR Business Partner",
    "Technical Recruiter",
    "Office Manager",
    "Operations Manager",
    "Supply Chain Analyst",
    "Mechanical Engineer",
    "Registered Nurse",
    "Pharmacist",
    "Legal Counsel",
    "Business Analyst",
)
SENIORITIES = ("", "", "Junior ", "Senior ", "Senior ", "Staff ", "Principal ", "Lead ")
TITLE_SUFFIXES = (
    "",
    "",
    "",
    "",
    " (Remote)",
    " (Contract)",
    " \u2013 EMEA",
    " \u2014 Night Shift",
    ", Payments",
    ", Platform",
)

SOURCES = ("LinkedIn", "Referral", "Company Website", "Indeed", "Agency", "Career Fair", "Sourced", "Internal")
DISPOSITION_REASONS = (
    "Not a fit for the role",
    "Position filled",
    "Candidate withdrew",
    "Salary expectations too high",
    "Did not pass the technical interview",
    "No response from candidate",
    "Relocation not possible",
    "Hired for another role",
)

PIPELINE = ("Applied", "Phone Screen", "Hiring Manager Review", "Onsite Interview", "Reference Check", "Offer Extended")
"""The stages an application passes through, in order, before its final "Hired" or "Rejected"."""
HIRED = "Hired"
REJECTED = "Rejected"
NOT_AVAILABLE = "Not Available"

RATING_ATTRIBUTES = (
    "Technical Skills",
    "Verbal Communication",
    "Problem Solving",
    "Culture Add",
    "Leadership",
    "Domain Knowledge",
    "Written Communication",
)

NOTE_SENTENCES = (
    "Spoke with the candidate for 30 minutes about the role and the team.",
    "Strong background in distributed systems; asked thoughtful questions about our roadmap.",
    "Prefers a hybrid arrangement, two days a week in the office at most.",
    "Salary expectations are within the band for this level.",
    "Currently serving a three-month notice period.",
    "Referred by a former colleague who rated them highly.",
    "Would need visa sponsorship to relocate.",
    "Interested in relocating to Zürich or München next year.",
    "Left a voicemail; will follow up by email on Thursday.",
    "Candidate asked to pause the process until after the holidays.",
    "Has competing offers and wants an answer within two weeks.",
    "Great portfolio — especially the accessibility case study.",
    "Needs more depth in system design; could fit one level below.",
    "Spoke French and Portuguese fluently during the call; useful for the EMEA accounts.",
    "Reference from their previous manager was positive about ownership and mentoring.",
    "Confirmed availability for an onsite loop the week of the 14th.",
    "Flagged for the data platform team as well.",
    "Asked about parental leave and the learning budget.",
    "Very clear communicator; explained trade-offs without jargon.",
    "Rescheduled twice because of time-zone confusion; sent a calendar invite in UTC.",
    "Met at the career fair in São Paulo; followed up with the job description.",
    "Not interested in management roles for now.",
    "Résumé lists a gap in 2022, explained as a sabbatical.",
    "Hiring manager would like a second technical conversation.",
)

DESCRIPTION_SENTENCES = (
    "You will join a small, senior team that owns its services end to end.",
    "We value clear writing, thoughtful code review and calm on-call rotations.",
    "The role reports to the head of the department and works closely with product and design.",
    "You will mentor colleagues and help shape how we hire.",
    "Experience with cloud infrastructure and observability is a plus.",
    "We offer a learning budget, flexible hours and 28 days of paid leave.",
    "Our customers span healthcare, logistics and retail across three continents.",
    "You will work in English; French, Spanish or German are appreciated.",
    "This is a hybrid role with two office days per week.",
    "Travel is occasional, less than 10% of the time.",
    "We are an equal-opportunity employer and welcome applicants of every background.",
    "Compensation includes salary, equity and an annual bonus.",
)

FEEDBACK_SENTENCES = (
    "Solved the exercise with a clean, well-tested approach.",
    "Struggled with the concurrency questions but recovered well.",
    "Communicated assumptions clearly before writing code.",
    "Strong product sense; asked who the users were before designing anything.",
    "Answers were a bit shallow on security topics.",
    "Would be a good addition to the team; recommend moving forward.",
    "Not enough depth for a senior role; might fit a mid-level opening.",
    "Excellent collaboration during the pairing session.",
    "Took feedback gracefully and iterated quickly.",
    "Gave concrete examples of handling conflict in a previous team.",
)
