"""Words the benchmark catalog is written with: subjects, title parts, lessons, people.

Titles are "<opening> <subject><ending>", e.g. "Practical Python for Data
Analysis". Subjects are drawn with weights so that each word of
`names.SEARCH_TERMS` is in about 3% of the titles; no other part of a
course's text uses those words (or words with the same stem: "excellent"
stems to "excel", "marketer" to "market"), so a search for one finds about
that share of the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Subject:
    name: str
    category_slugs: tuple[str, ...]  # slugs of the shipped category tree, best first
    weight: int  # per mille of the catalog


SUBJECTS: tuple[Subject, ...] = (
    # The search terms: 30 per mille each.
    Subject("Python", ("programming-languages", "data-science"), 30),
    Subject("JavaScript", ("web-development", "programming-languages"), 30),
    Subject("React", ("web-development", "mobile-development"), 30),
    Subject("Graphic Design", ("graphic-design",), 12),
    Subject("UX Design", ("ux-design",), 10),
    Subject("Web Design", ("web-design",), 8),
    Subject("Digital Marketing", ("digital-marketing",), 12),
    Subject("Social Media Marketing", ("social-media-marketing",), 10),
    Subject("Content Marketing", ("content-marketing",), 8),
    Subject("Photography", ("photography",), 30),
    Subject("Excel", ("microsoft-office",), 30),
    Subject("Personal Finance", ("personal-finance",), 15),
    Subject("Corporate Finance", ("accounting", "investing-and-trading"), 15),
    Subject("Guitar", ("instruments",), 30),
    Subject("Spanish", ("language-learning",), 30),
    # Everything else: 700 per mille.
    Subject("SQL", ("databases",), 20),
    Subject("PostgreSQL", ("databases",), 15),
    Subject("Docker", ("devops",), 20),
    Subject("Kubernetes", ("devops",), 15),
    Subject("AWS Cloud", ("it-certifications", "devops"), 20),
    Subject("Linux", ("operating-systems",), 20),
    Subject("Network Security", ("network-and-security",), 15),
    Subject("Ethical Hacking", ("network-and-security",), 15),
    Subject("Java", ("programming-languages",), 20),
    Subject("Go", ("programming-languages",), 12),
    Subject("Rust", ("programming-languages",), 12),
    Subject("TypeScript", ("web-development", "programming-languages"), 18),
    Subject("Unity Game Development", ("game-development",), 15),
    Subject("Swift", ("mobile-development",), 12),
    Subject("Flutter", ("mobile-development",), 12),
    Subject("Machine Learning", ("data-science",), 30),
    Subject("Statistics", ("data-science", "math"), 15),
    Subject("Software Testing", ("software-testing",), 12),
    Subject("Project Management", ("management",), 20),
    Subject("Leadership", ("leadership",), 18),
    Subject("Public Speaking", ("communication",), 15),
    Subject("Negotiation", ("sales", "communication"), 12),
    Subject("Entrepreneurship", ("entrepreneurship",), 18),
    Subject("Business Strategy", ("business-strategy",), 15),
    Subject("Accounting", ("accounting",), 15),
    Subject("Stock Trading", ("investing-and-trading",), 18),
    Subject("Productivity", ("productivity",), 15),
    Subject("Career Development", ("career-development",), 12),
    Subject("Blender 3D", ("3d-and-animation",), 15),
    Subject("Video Editing", ("video-design",), 25),
    Subject("Search Engine Optimization", ("search-engine-optimization",), 15),
    Subject("Copywriting", ("content-marketing",), 12),
    Subject("Yoga", ("yoga",), 15),
    Subject("Nutrition", ("nutrition",), 12),
    Subject("Fitness", ("fitness",), 15),
    Subject("Mindfulness", ("mental-health",), 12),
    Subject("Piano", ("instruments",), 18),
    Subject("Music Production", ("music-production",), 15),
    Subject("Singing", ("vocal",), 10),
    Subject("Algebra", ("math",), 12),
    Subject("Physics", ("science",), 10),
    Subject("French", ("language-learning",), 15),
    Subject("German", ("language-learning",), 12),
    Subject("Google Sheets", ("google-workspace",), 12),
    Subject("Drawing", ("graphic-design", "3d-and-animation"), 19),
)

OPENINGS = (
    "Practical",
    "Complete",
    "Modern",
    "Essential",
    "Applied",
    "Professional",
    "Hands-on",
    "The Complete",
    "Mastering",
    "Introduction to",
    "Advanced",
    "Learn",
    "Real-World",
    "Everyday",
    "Fundamentals of",
)
ENDINGS = (
    "",
    "",
    "",
    " for Beginners",
    " for Data Analysis",
    " for Busy Professionals",
    " Bootcamp",
    " Masterclass",
    " from Scratch",
    " in 30 Days",
    " Step by Step",
    ": Zero to Expert",
    " for Teams",
    " Crash Course",
    " with Real Projects",
    " Workshop",
    " Essentials",
    " for Career Changers",
)
SUBTITLES = (
    "Build confidence with {s} through short lessons and real projects",
    "Everything you need to start using {s} at work",
    "A clear, structured path from first steps to solid {s} skills",
    "Learn {s} the practical way, one small project at a time",
    "Go beyond the basics of {s} with exercises and worked examples",
    "The {s} skills employers ask for, explained without jargon",
    "Short daily lessons that make {s} stick",
    "Understand how {s} really works and put it to use",
)
INTROS = (
    "This course teaches {s} from the ground up, with short lessons and plenty of practice.",
    "{s} is one of the most useful skills you can learn this year, and this course shows why.",
    "Whether you are starting out or coming back after a break, this course makes {s} clear.",
    "Learn {s} by doing: every section ends with a small project you can keep.",
    "This is a practical course on {s}, built around the questions learners ask most.",
)
CLOSINGS = (
    "Each lesson is short, so you can learn in the time you have.",
    "You get lifetime access, downloadable notes and a certificate when you finish.",
    "The instructor answers questions in the course forum, usually within a day.",
    "By the end you will have a portfolio of small projects to show.",
    "No fluff: every lesson has one clear goal and an exercise to check it.",
)
OUTCOMES = (
    "Understand the core ideas of {s}",
    "Set up a working {s} toolkit on your own computer",
    "Solve common {s} problems step by step",
    "Avoid the mistakes most beginners make with {s}",
    "Apply {s} to a realistic project from start to finish",
    "Explain {s} concepts clearly to colleagues",
    "Build a study plan to keep improving after the course",
    "Read and reuse the work of experienced practitioners",
    "Measure your progress with exercises and short quizzes",
    "Prepare for interviews that ask about {s}",
)
REQUIREMENTS = (
    "No prior experience needed",
    "A computer with an internet connection",
    "Curiosity and about an hour a week",
    "Basic familiarity with {s} helps but is not required",
    "A notebook for exercises",
)
AUDIENCES = (
    "Beginners who want a structured start",
    "Professionals who use {s} at work",
    "Students preparing for a new job",
    "Hobbyists who want to go further",
    "Team leads who need to understand {s}",
)
TAGS = (
    "beginner friendly",
    "projects",
    "career",
    "certificate",
    "step by step",
    "practice",
    "fundamentals",
    "advanced topics",
)
SECTION_TITLES = (
    "Getting Started",
    "Foundations",
    "Core Concepts",
    "{s} in Practice",
    "Working Faster",
    "Common Patterns",
    "Going Further",
    "Projects",
    "Best Practices",
    "Troubleshooting",
    "Advanced {s}",
    "Real-World Case Studies",
    "Tools of the Trade",
    "Review and Practice",
    "Next Steps",
)
LESSON_TITLES = (
    "Welcome and course overview",
    "Setting up your tools",
    "Your first {s} exercise",
    "Key ideas explained",
    "A worked example",
    "Common mistakes to avoid",
    "Practice session",
    "Putting it together",
    "Tips from the field",
    "Going one step further",
    "Reading other people's work",
    "Checking your results",
    "A small project",
    "Questions learners ask",
    "Making it faster",
    "Cleaning up",
    "Recap",
    "Exercise walkthrough",
    "How {s} fits in",
    "Under the hood",
    "Choosing the right approach",
    "Planning your work",
    "Debugging the hard cases",
    "Case study",
    "Summary and next steps",
)
TEXT_BODIES = (
    "## Notes\n\nThis lesson sums up the key points about {s} covered so far.\n\n"
    "- Review the examples\n- Try the exercise again without notes\n",
    "## Exercise\n\nOpen your {s} project and repeat the steps from the video.\n\n"
    "Write down one thing that surprised you and share it in the forum.\n",
    "## Reading\n\nA short summary of this section of the {s} course, with the terms "
    "used in the next lessons.\n",
    "## Checklist\n\n1. Set up the files\n2. Follow the example\n3. Compare with the "
    "solution\n\nTake your time: {s} rewards careful practice.\n",
)
REVIEWS = {
    5: (
        "Clear, well paced and full of useful examples. Highly recommended.",
        "One of the best courses I have taken. The projects made it click.",
        "Great instructor and great structure. I use this at work every day.",
    ),
    4: (
        "Very good course, a few lessons could be shorter.",
        "Solid content and clear explanations. I wanted a bit more practice.",
        "Good value. The second half is the strongest part.",
    ),
    3: (
        "Decent overview, but it moves slowly at times.",
        "Some lessons are great, others feel rushed.",
    ),
    2: ("Too basic for me, and the audio is uneven.", "Not what the outline suggested."),
    1: ("Did not work for me.", "Outdated examples and little depth."),
}
FIRST_NAMES = (
    "Ada", "Ben", "Chloe", "Diego", "Elif", "Farah", "Grace", "Hugo", "Ines", "Jonas",
    "Kira", "Leo", "Maya", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara",
    "Umar", "Vera", "Wei", "Ximena", "Yuki", "Zane", "Amir", "Bea", "Caleb", "Dana",
    "Emil", "Freya", "Gabe", "Hana", "Ivan", "Jade", "Kofi", "Lena", "Milo", "Nia",
)  # fmt: skip
LAST_NAMES = (
    "Adams", "Baker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ito",
    "Jensen", "Kim", "Lopez", "Meyer", "Novak", "Okafor", "Patel", "Quinn", "Rossi",
    "Silva", "Tanaka", "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zhang", "Moreau",
    "Nguyen", "Oliveira", "Park", "Reyes", "Schmidt", "Torres", "Walsh", "Young",
)  # fmt: skip
HEADLINES = (
    "Engineer and teacher",
    "Consultant and trainer",
    "Author and educator",
    "Practitioner with fifteen years of experience",
    "University lecturer",
    "Coach and speaker",
)

# The category tree the catalog migration ships (created when the table is empty).
CATEGORY_TREE: dict[str, tuple[str, ...]] = {
    "Development": (
        "Web Development",
        "Data Science",
        "Mobile Development",
        "Programming Languages",
        "Game Development",
        "Databases",
        "Software Testing",
        "DevOps",
    ),
    "Business": ("Entrepreneurship", "Communication", "Management", "Sales", "Business Strategy"),
    "Finance & Accounting": ("Accounting", "Investing & Trading", "Personal Finance"),
    "IT & Software": ("IT Certifications", "Network & Security", "Hardware", "Operating Systems"),
    "Office Productivity": ("Microsoft Office", "Google Workspace"),
    "Personal Development": ("Productivity", "Leadership", "Career Development"),
    "Design": ("Graphic Design", "UX Design", "Web Design", "3D & Animation"),
    "Marketing": (
        "Digital Marketing",
        "Search Engine Optimization",
        "Social Media Marketing",
        "Content Marketing",
    ),
    "Photography & Video": ("Photography", "Video Design"),
    "Health & Fitness": ("Fitness", "Nutrition", "Yoga", "Mental Health"),
    "Music": ("Instruments", "Music Production", "Vocal"),
    "Teaching & Academics": ("Math", "Science", "Language Learning", "Test Prep"),
}


def weighted(pairs: tuple[tuple[T, int], ...]) -> list[T]:
    """A flat table where each value appears `weight` times: pick with one random()."""
    return [value for value, weight in pairs for _ in range(weight)]
