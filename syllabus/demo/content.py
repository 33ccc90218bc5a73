"""The demo marketplace's texts: people, course outlines, lesson and quiz templates, reviews.

Every course is written by hand (title, pitch, outcomes, curriculum, key
terms); lesson bodies and quiz questions are generated from the templates
below by combining a course's subject, project, lesson titles and terms, so
they read naturally in the course's language.

A curriculum is one line per section: `Section title | lesson; lesson; ...`.
"""

from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class Person:
    name: str
    headline: str = ""
    bio: str = ""


ADMIN = Person("Jordan Hayes", "Marketplace operations at Syllabus")

INSTRUCTORS: tuple[Person, ...] = (
    Person(
        "Maya Okafor",
        "Software engineer and Python educator",
        "Maya has spent twelve years building back-end systems for fintech and logistics "
        "companies, most of them in Python and Go. She started teaching at evening coding "
        "bootcamps and has since helped more than 40,000 learners write their first programs. "
        "Her courses favour small, working examples over theory, and every one ends with a "
        "project you can show.",
    ),
    Person(
        "Daniel Reyes",
        "Full-stack developer and former startup CTO",
        "Daniel co-founded two startups and led their engineering teams from the first commit "
        "to millions of users. He writes JavaScript, TypeScript and Dart every day and loves "
        "game jams on weekends. He teaches the way he onboards new engineers: build something "
        "real on day one, then understand why it works.",
    ),
    Person(
        "Priya Raman",
        "Data scientist and statistics lecturer",
        "Priya holds a PhD in applied statistics and has worked as a data scientist in retail "
        "and public health. She lectures part-time at a university and believes anyone can "
        "learn to reason with data when intuition comes before formulas.",
    ),
    Person(
        "Lukas Becker",
        "Cloud and DevOps engineer, AWS and Kubernetes certified",
        "Lukas runs platform engineering for a Berlin software company and has migrated "
        "dozens of applications to containers and the cloud. Before that he was a Linux "
        "system administrator and network engineer. He teaches in English and German.",
    ),
    Person(
        "Sophie Laurent",
        "Product designer, photographer and home-studio musician",
        "Sophie designs digital products for a living and photographs people and places for "
        "the love of it. Her work has appeared in design annuals and travel magazines. She "
        "teaches design, photography and music production with one idea in mind: train your "
        "eye (or ear) first, then learn the tools.",
    ),
    Person(
        "James Whitfield",
        "Chartered accountant and small-business advisor",
        "James qualified as an accountant in London and spent a decade advising small "
        "businesses on finance, hiring and growth. He has managed teams, started a consultancy "
        "and now teaches the practical business skills he wishes someone had taught him "
        "earlier, from bookkeeping to negotiating a job offer.",
    ),
    Person(
        "Elena García",
        "Growth marketer and public-speaking coach",
        "Elena has led marketing at three fast-growing SaaS companies in Madrid and Mexico City "
        "and coaches executives on presenting with confidence. She teaches marketing, sales "
        "and communication in English and Spanish, always with real campaigns and real numbers.",
    ),
    Person(
        "Amara Nwosu",
        "Certified personal trainer and wellbeing coach",
        "Amara is a certified strength coach and yoga teacher with a background in psychology. "
        "She has worked with office teams, athletes and complete beginners, and focuses on "
        "habits that last: simple routines, steady progress and kindness towards yourself.",
    ),
)

# The two students printed with the demo logins come first; the rest are drawn at random.
DEMO_STUDENTS: tuple[str, ...] = ("Olivia Bennett", "Rahul Mehta")

FIRST_NAMES: tuple[str, ...] = (
    "Liam", "Emma", "Noah", "Ava", "Mateo", "Sofia", "Lucas", "Mia", "Ethan", "Chloe",
    "Arjun", "Ananya", "Wei", "Mei", "Kenji", "Yuki", "Omar", "Layla", "Tariq", "Fatima",
    "Kwame", "Ama", "Chinedu", "Zainab", "Lars", "Ingrid", "Pierre", "Camille", "Diego",
    "Valentina", "Jonas", "Lea", "Marek", "Zofia", "Hamza", "Nadia", "Ryan", "Grace",
    "Isaac", "Hannah",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Nguyen", "Kim", "Patel", "Singh", "Garcia", "Martinez", "Rossi",
    "Bianchi", "Müller", "Schmidt", "Dubois", "Moreau", "Kowalski", "Nowak", "Okoye",
    "Mensah", "Haddad", "Khan", "Tanaka", "Sato", "Chen", "Wang", "Andersson", "Johansson",
    "Silva", "Santos", "O'Brien", "Murphy", "Cohen", "Levi", "Ivanova", "Petrov", "Hughes",
    "Walker", "Ali", "Hassan", "Lopez", "Fernandes",
)  # fmt: skip

# --------------------------------------------------------------------------- reviews

REVIEW_BODIES: dict[int, tuple[str, ...]] = {
    5: (
        "Exactly what I was looking for. Clear explanations, a sensible pace and lots of practice.",
        "{instructor_first} explains {subject} better than anyone I've learned from. Every "
        "lesson builds on the last one.",
        "I finished the course in three weeks and I'm already using what I learned at work.",
        "The section quizzes are short, but they really make the ideas stick. Highly recommended.",
        "Well organised, no filler, and the project ties everything together. Worth every minute.",
        "I had tried to learn {subject} twice before and gave up. This time it finally clicked.",
        "Great course! The examples are practical and the written lessons are easy to come "
        "back to.",
        "Clear, friendly and thorough. I'd take another course from {instructor_first} without "
        "hesitation.",
    ),
    4: (
        "Very good course. A couple of lessons felt rushed, but overall it's great value.",
        "Solid introduction to {subject}. I'd have liked a few more exercises in the later "
        "sections.",
        "Well structured and easy to follow. Some examples could be a little more advanced.",
        "I learned a lot. The project at the end was the best part.",
        "Good pace and clear explanations. One star off only because I wanted more depth on a "
        "few topics.",
        "Really useful. The quizzes helped me find the gaps in my understanding.",
    ),
    3: (
        "Decent course, but much of it covered things I already knew.",
        "Good content, though the later sections move quite quickly.",
        "Okay overall. More worked examples would help a lot.",
        "Useful in places. The structure is good but some lessons are a bit dry.",
    ),
    2: (
        "Too basic for me, and the description oversells it a little.",
        "The first half is fine; the second half felt thin.",
        "Not bad, but I expected more hands-on practice for the price.",
    ),
    1: (
        "Not what I expected. Most of this is available for free elsewhere.",
        "Hard to follow, and very little practice. I stopped halfway.",
    ),
}

REPLIES_POSITIVE: tuple[str, ...] = (
    "Thank you so much, {student_first}! It's great to hear the course helped.",
    "Thanks for the kind words, {student_first}. Good luck with your next steps in {subject}!",
    "Really appreciate you taking the time to write this, {student_first}. Enjoy putting it "
    "into practice!",
)
REPLIES_CRITICAL: tuple[str, ...] = (
    "Thanks for the honest feedback, {student_first}. I'm adding more exercises to the later "
    "sections in the next update.",
    "Sorry the course didn't fully meet your expectations, {student_first}. I'd love to hear "
    "which topics you wanted covered in more depth.",
    "Thank you for the feedback, {student_first}. I've noted it for the next revision.",
)

TIPS: tuple[str, ...] = (
    "Short, regular practice beats long, rare sessions. Fifteen minutes a day adds up quickly.",
    "If you are stuck for more than ten minutes, step back and re-read the goal of the lesson.",
    "Keep a learning log: what you tried, what happened and what you will try next.",
    "Explain the idea to someone else, or to a rubber duck. Gaps in your understanding show "
    "up fast.",
    "Save a copy of your work before each big change so you can always compare.",
    "Aim for working first, then for good. Perfect on the first try is not the goal.",
)

# --------------------------------------------------------------------------- languages


@dataclass(frozen=True)
class Locale:
    welcome_title: str
    quiz_title: str
    lessons_label: str
    intro_ref: str
    next_lesson: str
    next_quiz: str
    quiz_intro: str
    # Rendered into a lesson whose title names one of the course's key terms.
    term_block: str
    description: str
    welcome: str
    # Style name -> lesson body template. English picks a style from the lesson
    # title; the other languages alternate between theirs.
    bodies: dict[str, str]
    statement: str
    single_prompt: str
    single_explanation: str
    true_false_prompt: str
    true_explanation: str
    false_explanation: str
    short_prompt: str
    short_explanation: str
    multiple_prompt: str
    multiple_explanation: str


_EN_BODIES = {
    "concept": """## Overview

This lesson covers **{lesson}**, one of the building blocks of *{section}*. We look at what \
it is, why it matters in {subject} and how to use it in {project}.

## Key ideas

- **Start with the purpose.** Before the details, be clear about which problem this solves \
and when you would reach for it.
- **Learn the vocabulary.** Precise words make the rest of the course much easier to follow.
- **Connect it to what you know.** Compare it with {prev_ref} and notice what is new.

{term_block}## Try it yourself

Spend ten minutes applying the idea to {project}. Write down one thing that worked and one \
question you still have, and bring the question to the next lesson.

{next_line}
""",
    "example": """## A worked example

The quickest way to understand **{lesson}** is to see it applied. In this lesson we work \
through a realistic example from {project}, one decision at a time.

### The approach

1. **State the goal** in a single sentence.
2. **Choose the simplest technique that could work.** Resist reaching for the most advanced \
option first.
3. **Apply it**, then look closely at the result.
4. **Refine.** Ask what you would change if you did it again, and try that change.

### What to notice

The example is deliberately small. In real {subject} work the same steps apply; only the \
scale changes. Repeat the example with a variation of your own before moving on.

{term_block}> **Tip:** {tip}

{next_line}
""",
    "walkthrough": """## What you'll do

This is a hands-on lesson: we work through **{lesson}** step by step, and you apply each \
step to {project}. By the end you will have a working result to build on.

## Step by step

1. **Get ready.** Skim your notes from {prev_ref} and have your workspace open.
2. **Follow the walkthrough.** Work through the example at your own pace; pause whenever \
something is unclear.
3. **Make it yours.** Repeat the steps on {project}, changing one detail at a time so you can \
see its effect.
4. **Check the result.** Compare it with the summary below and fix anything that does not \
match.

> **Tip:** {tip}

## Summary

- You practised **{lesson}** on a real example.
- Your work on {project} moved one step forward.

{term_block}{next_line}
""",
    "pitfalls": """## Why this lesson matters

Most people who get stuck in {subject} get stuck on the same few problems. This lesson, \
**{lesson}**, helps you recognise them early and fix them quickly.

## Watch out for

1. **Skipping the fundamentals.** It is tempting to jump ahead, but the basics from \
*{section}* save time later.
2. **Changing several things at once.** When something breaks, you will not know which \
change caused it.
3. **Not checking your work.** Verify each step on {project} before moving on.
4. **Mixing up similar ideas.** Keep a short glossary of the terms in this course and check \
it whenever two ideas feel alike.

{term_block}## Quick self-check

- Can you describe the problem in one sentence?
- Did you change one thing at a time?
- Do you know what "done" looks like?

{next_line}
""",
    "intro": """## The big picture

Before getting practical, it helps to see where **{lesson}** fits in {subject} as a whole. \
Experienced practitioners rarely think about it in isolation: they connect it to the goal \
they are working towards.

## Three questions to keep in mind

- **What problem does it solve?** If you can't answer this, the details won't stick.
- **When should you use it, and when not?** Knowing the limits is as valuable as knowing the \
technique.
- **How will you know it worked?** Decide what a good result looks like before you start.

{term_block}## In practice

Think about {project}. Where would this idea show up first? Jot down your answer; we will \
come back to it in the following lessons.

{next_line}
""",
    "recap": """## Looking back

You have reached **{lesson}**, a good moment to consolidate what you have learned in \
*{course}* so far.

## What you can do now

{outcomes_md}

## Keep going

- Revisit any section whose quiz felt difficult; a second pass is always faster.
- Finish {project} and share it: explaining your work is one of the best ways to learn.
- Pick one topic you enjoyed and spend a week going deeper.

{term_block}{next_line}
""",
}

# Title keywords that pick an English lesson style, tried in this order.
EN_STYLE_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "recap",
        ("next step", "wrap", "recap", "where to go", "putting it all together", "review",
         "checklist", "making it last", "staying the course"),
    ),
    (
        "pitfalls",
        ("mistake", "pitfall", "troubleshoot", "myth", "avoid", "error", "won't", "when it",
         "leakage", "attack", "threat", "difficult", "objection", "resistance", "without the"),
    ),
    (
        "walkthrough",
        ("install", "setting up", "set up", "setup", "build", "creat", "project", "first ",
         "writing", "hands-on", "plan", "designing", "deploy", "publish", "export", "record",
         "sketching", "wireframing", "configur", "walkthrough", "running", "making", "your "),
    ),
    (
        "intro",
        ("why", "what ", "introduction", "how ", "understanding", "overview", "basics",
         "fundamentals", "essentials", "explained", "principles", "tour", "meet ", "in ten"),
    ),
)  # fmt: skip

LOCALES: dict[str, Locale] = {
    "en": Locale(
        welcome_title="Welcome and course overview",
        quiz_title="Quiz: {section}",
        lessons_label="{n} lessons",
        intro_ref="the welcome lesson",
        next_lesson="Next up: **{next}**.",
        next_quiz="Next, check your understanding with the section quiz.",
        term_block="## Key term: {term}\n\n**{Term}**: {definition}. The section quiz comes "
        "back to it.\n\n",
        quiz_intro="Check your understanding of *{section}*. The quiz has {count} questions; "
        "you need {pass_percent}% to pass and can try up to {attempts} times.",
        description="""{blurb}

## What you will learn

{outcomes_md}

## How the course works

**{course}** is organised in {section_count} sections and {lesson_count} lessons. Each \
section ends with a short quiz so you can check your understanding before moving on, and \
every lesson includes a practical step you apply to {project}.

## Course outline

{sections_md}

## Who this course is for

{audience_md}

## Before you start

{requirements_md}
""",
        welcome="""## Welcome!

Hi, I'm {instructor}, and I'll be your guide through **{course}**.

{blurb}

## How the course is organised

{sections_md}

## Key terms you will meet

{glossary_md}

Each section ends with a short quiz on these ideas. You need 70% to pass, and you can take \
each quiz up to three times.

## How to get the most out of it

- **Go in order.** Every lesson builds on the one before it.
- **Practise as you go.** Throughout the course you will work on {project}; keep it open next \
to the lessons.
- **Write down your questions.** Bring them to the next lesson; the answer is often only a \
step away.

Ready? Let's start with **{next}**.
""",
        bodies=_EN_BODIES,
        statement="“{term}” is {definition}.",
        single_prompt="Which statement best describes “{term}”?",
        single_explanation="“{Term}” is {definition}.",
        true_false_prompt="True or false: {statement}",
        true_explanation="True. {statement}",
        false_explanation="False. That definition belongs to “{other}”. {statement}",
        short_prompt="Which term matches this definition: {definition}?",
        short_explanation="The term is “{term}”.",
        multiple_prompt="Select every statement that is true.",
        multiple_explanation="The true statements pair each term with its own definition; "
        "the others swap definitions between terms.",
    ),
    "es": Locale(
        welcome_title="Bienvenida y presentación del curso",
        quiz_title="Cuestionario: {section}",
        lessons_label="{n} lecciones",
        intro_ref="la lección de bienvenida",
        next_lesson="Siguiente lección: **{next}**.",
        next_quiz="Ahora comprueba lo aprendido con el cuestionario de la sección.",
        term_block="## Concepto clave: {term}\n\n**{Term}**: {definition}.\n\n",
        quiz_intro="Comprueba lo que has aprendido en *{section}*. El cuestionario tiene "
        "{count} preguntas; necesitas un {pass_percent} % para aprobar y tienes hasta "
        "{attempts} intentos.",
        description="""{blurb}

## Lo que aprenderás

{outcomes_md}

## Cómo funciona el curso

**{course}** tiene {section_count} secciones y {lesson_count} lecciones. Cada sección \
termina con un breve cuestionario para comprobar lo aprendido, y cada lección incluye un \
paso práctico que aplicarás a {project}.

## Contenido del curso

{sections_md}

## A quién va dirigido

{audience_md}

## Requisitos

{requirements_md}
""",
        welcome="""## ¡Bienvenido!

Hola, soy {instructor} y te acompañaré a lo largo de **{course}**.

{blurb}

## Cómo está organizado el curso

{sections_md}

## Términos clave del curso

{glossary_md}

Cada sección termina con un cuestionario. Necesitas un 70 % para aprobarlo y puedes \
intentarlo hasta tres veces.

## Consejos para aprovecharlo al máximo

- **Sigue el orden.** Cada lección se apoya en la anterior.
- **Practica sobre la marcha.** Durante todo el curso trabajarás en {project}.
- **Anota tus dudas.** Muchas veces la siguiente lección ya las resuelve.

¿Empezamos? La primera lección es **{next}**.
""",
        bodies={
            "concept": """## Introducción

En esta lección estudiamos **{lesson}**, una pieza clave de la sección *{section}*. Veremos \
qué es, por qué importa en {subject} y cómo aplicarlo a {project}.

## Ideas principales

- **Empieza por el objetivo.** Antes de los detalles, ten claro qué problema resuelve.
- **Aprende el vocabulario.** Las palabras precisas hacen que el resto del curso sea más fácil.
- **Relaciónalo con lo que ya sabes.** Compáralo con {prev_ref} y observa qué cambia.

{term_block}## Ponlo en práctica

Dedica diez minutos a aplicar lo aprendido a {project}. Anota una cosa que haya funcionado y \
una duda que todavía tengas.

{next_line}
""",
            "walkthrough": """## Qué vamos a hacer

En esta lección práctica trabajamos **{lesson}** paso a paso y lo aplicamos a {project}.

## Paso a paso

1. **Prepárate.** Repasa tus notas de {prev_ref}.
2. **Sigue el ejemplo.** Avanza a tu ritmo y haz pausas cuando lo necesites.
3. **Hazlo tuyo.** Repite los pasos en {project}, cambiando un solo detalle cada vez.
4. **Comprueba el resultado.** Compáralo con el resumen de abajo.

> **Consejo:** practicar un poco cada día funciona mejor que una sesión larga de vez en cuando.

## Resumen

- Has practicado **{lesson}** con un ejemplo real.
- Has avanzado un paso más en {project}.

{term_block}{next_line}
""",
        },
        statement="«{term}» es {definition}.",
        single_prompt="¿Qué afirmación describe mejor «{term}»?",
        single_explanation="«{Term}» es {definition}.",
        true_false_prompt="Verdadero o falso: {statement}",
        true_explanation="Verdadero. {statement}",
        false_explanation="Falso. Esa definición corresponde a «{other}». {statement}",
        short_prompt="¿Qué término corresponde a esta definición: {definition}?",
        short_explanation="El término es «{term}».",
        multiple_prompt="Selecciona todas las afirmaciones verdaderas.",
        multiple_explanation="Las afirmaciones verdaderas asocian cada término con su propia "
        "definición; las demás intercambian definiciones.",
    ),
    "fr": Locale(
        welcome_title="Bienvenue et présentation du cours",
        quiz_title="Quiz : {section}",
        lessons_label="{n} leçons",
        intro_ref="la leçon de bienvenue",
        next_lesson="Prochaine leçon : **{next}**.",
        next_quiz="Vérifiez maintenant vos acquis avec le quiz de la section.",
        term_block="## Notion clé : {term}\n\n**{Term}** : {definition}.\n\n",
        quiz_intro="Vérifiez vos acquis sur *{section}*. Le quiz comporte {count} questions ; "
        "il faut {pass_percent} % pour le réussir, en {attempts} tentatives au plus.",
        description="""{blurb}

## Ce que vous allez apprendre

{outcomes_md}

## Comment se déroule le cours

**{course}** comprend {section_count} sections et {lesson_count} leçons. Chaque section se \
termine par un court quiz pour vérifier vos acquis, et chaque leçon propose une mise en \
pratique sur {project}.

## Programme

{sections_md}

## À qui s'adresse ce cours

{audience_md}

## Prérequis

{requirements_md}
""",
        welcome="""## Bienvenue !

Bonjour, je suis {instructor} et je vous accompagne tout au long de **{course}**.

{blurb}

## Organisation du cours

{sections_md}

## Les notions clés du cours

{glossary_md}

Chaque section se termine par un quiz. Il faut 70 % pour le réussir, et vous disposez de \
trois tentatives.

## Pour en tirer le meilleur parti

- **Suivez l'ordre.** Chaque leçon s'appuie sur la précédente.
- **Pratiquez au fur et à mesure.** Tout au long du cours, vous travaillerez sur {project}.
- **Notez vos questions.** La leçon suivante y répond souvent.

Prêt ? Commençons par **{next}**.
""",
        bodies={
            "concept": """## Introduction

Cette leçon porte sur **{lesson}**, un élément essentiel de la section *{section}*. Nous \
verrons de quoi il s'agit, pourquoi c'est important en {subject} et comment l'appliquer à \
{project}.

## Idées clés

- **Partez de l'objectif.** Avant les détails, demandez-vous quel problème cela résout.
- **Apprenez le vocabulaire.** Des mots précis rendent la suite du cours plus facile.
- **Faites le lien avec ce que vous savez.** Comparez avec {prev_ref} et repérez ce qui change.

{term_block}## À vous de jouer

Prenez dix minutes pour appliquer cette idée à {project}. Notez ce qui a fonctionné et une \
question qu'il vous reste.

{next_line}
""",
            "walkthrough": """## Au programme

Dans cette leçon pratique, nous abordons **{lesson}** pas à pas, en l'appliquant à {project}.

## Étape par étape

1. **Préparez-vous.** Relisez vos notes sur {prev_ref}.
2. **Suivez l'exemple.** Avancez à votre rythme et faites des pauses si nécessaire.
3. **Appropriez-vous la méthode.** Reprenez les étapes sur {project} en ne changeant qu'un \
paramètre à la fois.
4. **Vérifiez le résultat.** Comparez-le avec le résumé ci-dessous.

> **Conseil :** mieux vaut pratiquer un peu chaque jour qu'une longue séance de temps en temps.

## En résumé

- Vous avez pratiqué **{lesson}** sur un exemple concret.
- Vous avez fait avancer {project}.

{term_block}{next_line}
""",
        },
        statement="« {term} » désigne {definition}.",
        single_prompt="Quelle affirmation décrit le mieux « {term} » ?",
        single_explanation="« {Term} » désigne {definition}.",
        true_false_prompt="Vrai ou faux : {statement}",
        true_explanation="Vrai. {statement}",
        false_explanation="Faux. Cette définition correspond à « {other} ». {statement}",
        short_prompt="Quel terme correspond à cette définition : {definition} ?",
        short_explanation="Le terme est « {term} ».",
        multiple_prompt="Sélectionnez toutes les affirmations vraies.",
        multiple_explanation="Les affirmations vraies associent chaque terme à sa propre "
        "définition ; les autres mélangent les définitions.",
    ),
    "de": Locale(
        welcome_title="Willkommen und Kursüberblick",
        quiz_title="Quiz: {section}",
        lessons_label="{n} Lektionen",
        intro_ref="der Willkommenslektion",
        next_lesson="Als Nächstes: **{next}**.",
        next_quiz="Prüfen Sie jetzt Ihr Wissen im Quiz zu diesem Abschnitt.",
        term_block="## Schlüsselbegriff: {term}\n\n**{Term}**: {definition}.\n\n",
        quiz_intro="Prüfen Sie Ihr Wissen zu *{section}*. Das Quiz hat {count} Fragen; zum "
        "Bestehen brauchen Sie {pass_percent} %, und Sie haben bis zu {attempts} Versuche.",
        description="""{blurb}

## Das lernen Sie

{outcomes_md}

## So funktioniert der Kurs

**{course}** besteht aus {section_count} Abschnitten und {lesson_count} Lektionen. Jeder \
Abschnitt endet mit einem kurzen Quiz, und jede Lektion enthält einen praktischen Schritt \
für {project}.

## Kursinhalt

{sections_md}

## Für wen ist dieser Kurs?

{audience_md}

## Voraussetzungen

{requirements_md}
""",
        welcome="""## Willkommen!

Hallo, ich bin {instructor} und begleite Sie durch **{course}**.

{blurb}

## Aufbau des Kurses

{sections_md}

## Wichtige Begriffe im Kurs

{glossary_md}

Jeder Abschnitt endet mit einem Quiz. Zum Bestehen brauchen Sie 70 %, und Sie haben drei \
Versuche.

## So holen Sie das Meiste heraus

- **Bleiben Sie in der Reihenfolge.** Jede Lektion baut auf der vorherigen auf.
- **Üben Sie nebenher.** Während des ganzen Kurses arbeiten Sie an {project_dative}.
- **Notieren Sie Ihre Fragen.** Oft klärt sie schon die nächste Lektion.

Los geht's mit **{next}**.
""",
        bodies={
            "concept": """## Überblick

In dieser Lektion geht es um **{lesson}**, einen wichtigen Baustein des Abschnitts \
*{section}*. Wir klären, was dahintersteckt, warum es für {subject} wichtig ist und wie Sie \
es auf {project} anwenden.

## Die wichtigsten Gedanken

- **Vom Ziel her denken.** Klären Sie vor den Details, welches Problem gelöst wird.
- **Die Begriffe lernen.** Präzise Begriffe machen den Rest des Kurses leichter.
- **An Bekanntes anknüpfen.** Vergleichen Sie mit {prev_ref} und achten Sie darauf, was neu \
ist.

{term_block}## Selbst ausprobieren

Nehmen Sie sich zehn Minuten Zeit und wenden Sie das Gelernte auf {project} an. Notieren Sie, \
was funktioniert hat, und eine offene Frage.

{next_line}
""",
            "walkthrough": """## Worum es geht

In dieser Praxislektion arbeiten wir **{lesson}** Schritt für Schritt durch und wenden es auf \
{project} an.

## Schritt für Schritt

1. **Vorbereiten.** Werfen Sie einen Blick in Ihre Notizen zu {prev_ref}.
2. **Dem Beispiel folgen.** Arbeiten Sie in Ihrem Tempo und pausieren Sie, wenn etwas unklar \
ist.
3. **Selbst anwenden.** Wiederholen Sie die Schritte für {project} und ändern Sie jeweils nur \
eine Sache.
4. **Ergebnis prüfen.** Vergleichen Sie es mit der Zusammenfassung unten.

> **Tipp:** Lieber täglich ein wenig üben als selten sehr lange.

## Zusammenfassung

- Sie haben **{lesson}** an einem echten Beispiel geübt.
- Sie sind mit {project} einen Schritt weitergekommen.

{term_block}{next_line}
""",
        },
        statement="Mit „{term}“ ist {definition} gemeint.",
        single_prompt="Welche Aussage beschreibt „{term}“ am besten?",
        single_explanation="Mit „{term}“ ist {definition} gemeint.",
        true_false_prompt="Richtig oder falsch: {statement}",
        true_explanation="Richtig. {statement}",
        false_explanation="Falsch. Diese Definition gehört zu „{other}“. {statement}",
        short_prompt="Welcher Begriff passt zu dieser Definition: {definition}?",
        short_explanation="Der Begriff lautet „{term}“.",
        multiple_prompt="Wählen Sie alle richtigen Aussagen aus.",
        multiple_explanation="Die richtigen Aussagen ordnen jedem Begriff seine eigene "
        "Definition zu; die anderen vertauschen die Definitionen.",
    ),
}

# --------------------------------------------------------------------------- courses


@dataclass(frozen=True)
class CourseSpec:
    instructor: int  # index into INSTRUCTORS
    category: str  # subcategory slug from migration 0003
    title: str
    subtitle: str
    subject: str  # running-text noun: "Python", "personal finance"
    project: str  # what the learner practises on: "your expense tracker"
    blurb: str
    level: str
    # "0" (free), "19.99", "19.99/94.99" (with list price), "EUR 29.99/69.99", "INR 499/3199".
    price: str
    outcomes: tuple[str, ...]
    requirements: tuple[str, ...]
    audience: tuple[str, ...]
    tags: tuple[str, ...]
    curriculum: str
    terms: tuple[tuple[str, str], ...]
    language: str = "en"
    status: str = "published"
    featured: bool = False
    popularity: float = 1.0
    # German only: the project phrase after "an" (dative).
    project_dative: str = ""


COURSES: tuple[CourseSpec, ...] = (
    CourseSpec(
        instructor=0,
        category="programming-languages",
        title="Python from Zero to Confident",
        subtitle="Learn Python 3 by writing real programs: data types, functions, files, errors "
        "and a final command-line project.",
        subject="Python",
        project="your command-line expense tracker",
        blurb="Python is the most approachable programming language you can learn today, and it "
        "scales all the way to data science and web back ends. This course starts from a blank "
        "editor and ends with a tested command-line app that you wrote yourself.",
        level="beginner",
        price="19.99/94.99",
        featured=True,
        popularity=2.0,
        outcomes=(
            "Write clean Python 3 scripts using variables, conditions and loops",
            "Organise code into functions and modules you can reuse",
            "Read and write text, CSV and JSON files",
            "Handle errors gracefully instead of letting programs crash",
            "Build and share a complete command-line application",
        ),
        requirements=(
            "A computer running Windows, macOS or Linux",
            "No programming experience needed",
        ),
        audience=(
            "Complete beginners who want to learn to code",
            "Analysts and marketers who want to automate repetitive tasks",
            "Students preparing for a computer science course",
        ),
        tags=("python", "programming", "beginners", "automation"),
        curriculum="""
Getting set up | Installing Python and VS Code; Running your first script; How Python reads your code
Values and variables | Numbers and arithmetic; Strings and f-strings; Booleans and comparisons; Naming things well
Making decisions and repeating work | if, elif and else; for loops over sequences; while loops and when to stop; Putting loops and conditions together
Collections | Lists and tuples; Dictionaries; Sets; List comprehensions; Choosing the right collection
Functions and modules | Defining functions; Parameters, return values and defaults; Splitting code into modules; Using the standard library
Files and errors | Reading and writing text files; Working with CSV and JSON; Exceptions and try/except; Debugging without the guesswork
Final project | Planning the expense tracker; Building the commands; Saving data between runs; Where to go next
""",  # noqa: E501
        terms=(
            ("variable", "a name that refers to a value stored in memory"),
            ("f-string", "a string literal prefixed with f that embeds expressions in braces"),
            ("list comprehension", "a compact expression that builds a new list from an iterable"),
            ("dictionary", "a collection that maps unique keys to values"),
            ("exception", "an error raised while a program runs that can be caught and handled"),
            ("module", "a Python file whose functions and classes can be imported elsewhere"),
        ),
    ),
    CourseSpec(
        instructor=1,
        category="web-development",
        title="Modern JavaScript: The Complete Guide",
        subtitle="From variables to async/await and modules: master the language of the web "
        "with hundreds of small exercises.",
        subject="JavaScript",
        project="your interactive to-do app",
        blurb="JavaScript runs in every browser and, with Node.js, on servers too. This course "
        "teaches the modern language from first principles, so that frameworks like React and "
        "Vue make sense when you get to them.",
        level="beginner",
        price="24.99/109.99",
        featured=True,
        popularity=1.8,
        outcomes=(
            "Write modern JavaScript with let, const, arrow functions and destructuring",
            "Change web pages through the DOM and respond to user events",
            "Work with arrays and objects using map, filter and reduce",
            "Write asynchronous code with promises and async/await",
            "Fetch data from real APIs and display it on a page",
        ),
        requirements=("Basic familiarity with HTML", "A modern browser and a free code editor"),
        audience=(
            "Beginners who want to become web developers",
            "Designers who want to add interactivity to their pages",
            "Developers coming from another language",
        ),
        tags=("javascript", "web development", "frontend", "es6"),
        curriculum="""
JavaScript basics | Where JavaScript runs; Variables with let and const; Numbers, strings and template literals; Type coercion and equality
Control flow and functions | Conditions and the ternary operator; Loops and iteration; Function declarations and arrow functions; Scope and closures
Arrays and objects | Array methods: map, filter and reduce; Objects and property access; Destructuring and the spread operator; JSON in practice
The DOM and events | Selecting and changing elements; Handling clicks and form input; Event delegation; Building the to-do list interface
Asynchronous JavaScript | The event loop explained; Promises; async and await; Fetching data from an API; Handling network errors
Modules and tooling | ES modules; npm and package.json; A quick look at bundlers; Final project review and next steps
""",  # noqa: E501
        terms=(
            ("closure", "a function that remembers the variables of the scope it was created in"),
            ("promise", "an object representing a value that will be available later, or an error"),
            ("event loop", "the mechanism that runs queued callbacks when the call stack is empty"),
            ("DOM", "the tree of objects the browser builds from an HTML page"),
            ("arrow function", "a shorter function syntax that does not bind its own this"),
            ("destructuring", "a syntax that unpacks values from arrays or objects into variables"),
        ),
    ),
    CourseSpec(
        instructor=0,
        category="web-development",
        title="Building Web APIs with FastAPI",
        subtitle="Design, build, test and deploy a production-ready REST API in Python with "
        "FastAPI, Pydantic and SQLAlchemy.",
        subject="API development",
        project="your bookmarks API",
        blurb="FastAPI has become the go-to framework for Python APIs thanks to type hints, "
        "automatic documentation and great performance. We build a complete API together, with "
        "validation, a database, authentication and tests, and deploy it.",
        level="intermediate",
        price="29.99/119.99",
        popularity=1.2,
        outcomes=(
            "Design clear REST endpoints with the right status codes",
            "Validate input and shape output with Pydantic models",
            "Persist data with SQLAlchemy and manage schema changes with Alembic",
            "Secure endpoints with the OAuth2 password flow and JWT",
            "Test the API with pytest and deploy it in a container",
        ),
        requirements=(
            "Comfortable with Python basics: functions, classes and modules",
            "Some experience with the command line",
        ),
        audience=(
            "Python developers who want to build back ends",
            "Data scientists who need to serve models over HTTP",
        ),
        tags=("python", "fastapi", "rest api", "backend"),
        curriculum="""
Foundations | HTTP and REST in ten minutes; Your first FastAPI app; Path and query parameters; Interactive docs with OpenAPI
Data and validation | Request bodies with Pydantic; Response models; Handling validation errors; Dependency injection
Persistence | Setting up SQLAlchemy; CRUD endpoints; Migrations with Alembic; Pagination and filtering
Security | Password hashing; OAuth2 and JWT access tokens; Permissions per user; Common security mistakes
Testing and deployment | Testing with pytest and TestClient; Configuration with environment variables; Building a Docker image; Deploying and monitoring
""",  # noqa: E501
        terms=(
            ("endpoint", "a URL path combined with an HTTP method that the API responds to"),
            (
                "Pydantic model",
                "a class that declares the shape and types of data and validates it",
            ),
            (
                "dependency injection",
                "a pattern where the framework provides shared resources to route functions",
            ),
            (
                "idempotent request",
                "a request that has the same effect whether it is sent once or several times",
            ),
            ("JWT", "a signed token that carries claims about a user, such as their id and expiry"),
            ("migration", "a versioned script that changes the database schema"),
        ),
    ),
    CourseSpec(
        instructor=1,
        category="web-development",
        title="React and TypeScript for Production Apps",
        subtitle="Build fast, accessible, well-tested React applications with TypeScript, hooks, "
        "routing and modern data fetching.",
        subject="React",
        project="your movie watch-list app",
        blurb="React is easy to start and surprisingly hard to scale. This course focuses on the "
        "habits that keep real applications maintainable: typed components, predictable state, "
        "good tests and attention to accessibility.",
        level="intermediate",
        price="34.99/129.99",
        popularity=1.4,
        outcomes=(
            "Build typed function components with props and hooks",
            "Manage local and shared state without over-engineering",
            "Fetch, cache and update server data",
            "Add client-side routing and code splitting",
            "Test components with Testing Library",
            "Ship an accessible, responsive interface",
        ),
        requirements=(
            "Solid JavaScript fundamentals, including arrays, objects and promises",
            "Basic HTML and CSS",
        ),
        audience=(
            "JavaScript developers moving to React",
            "React developers who want to adopt TypeScript",
        ),
        tags=("react", "typescript", "frontend", "javascript"),
        curriculum="""
Getting started | Creating a project with Vite; JSX and components; TypeScript essentials for React
Components and state | Props and typing them; useState and events; Lifting state up; Lists and keys
Effects and data | useEffect without the pitfalls; Fetching data; Loading and error states; Caching server data
Structure and routing | Routing between pages; Context for shared state; Custom hooks; Code splitting
Quality | Testing components; Accessibility checklist; Performance profiling; Deploying the app
""",  # noqa: E501
        terms=(
            ("component", "a function that returns a piece of user interface described in JSX"),
            ("prop", "an input value passed from a parent component to a child"),
            ("hook", "a function such as useState that lets a component use React features"),
            ("state", "data owned by a component that causes a re-render when it changes"),
            ("JSX", "a syntax extension for writing HTML-like markup inside JavaScript"),
            ("type annotation", "a note telling TypeScript what kind of value a variable holds"),
        ),
    ),
    CourseSpec(
        instructor=1,
        category="web-design",
        title="HTML & CSS: Build Responsive Websites",
        subtitle="A free, hands-on introduction to HTML5 and modern CSS: Flexbox, Grid, responsive "
        "design and publishing your site.",
        subject="web design",
        project="your personal portfolio website",
        blurb="Every website starts with HTML and CSS. In this free course you build and publish "
        "a responsive personal portfolio while learning the structure, styling and layout "
        "techniques professionals use every day.",
        level="beginner",
        price="0",
        popularity=1.6,
        outcomes=(
            "Structure pages with semantic HTML5 elements",
            "Style text, colours and spacing with CSS",
            "Lay out pages with Flexbox and CSS Grid",
            "Make a site look great on phones, tablets and desktops",
            "Publish a website for free",
        ),
        requirements=(
            "No experience needed",
            "A computer with a web browser and a text editor",
        ),
        audience=(
            "Anyone who wants to build their first website",
            "Designers who want to understand how their designs are built",
        ),
        tags=("html", "css", "responsive design", "web design"),
        curriculum="""
HTML foundations | How a web page works; Headings, paragraphs and links; Images and media; Semantic structure
CSS basics | Selectors and the cascade; Colours, fonts and units; The box model; Styling the portfolio header
Layout | Flexbox fundamentals; CSS Grid fundamentals; Choosing between Flexbox and Grid
Responsive design | Mobile-first thinking; Media queries; Responsive images; Publishing your portfolio
""",  # noqa: E501
        terms=(
            (
                "semantic element",
                "an HTML element that describes the meaning of its content, such as nav or article",
            ),
            ("box model", "the content, padding, border and margin that make up an element's size"),
            ("cascade", "the rules that decide which CSS declaration wins when several apply"),
            ("media query", "a CSS condition that applies styles only at certain screen sizes"),
            ("Flexbox", "a CSS layout model for arranging items along one axis"),
            ("viewport", "the visible area of a web page on the user's screen"),
        ),
    ),
    CourseSpec(
        instructor=2,
        category="data-science",
        title="Data Analysis with pandas",
        subtitle="Clean, explore and visualise real-world data in Python with pandas, Jupyter and "
        "Matplotlib.",
        subject="data analysis",
        project="your analysis of city bike-share trips",
        blurb="Most of a data analyst's time goes into getting data into shape. This course "
        "teaches pandas the practical way: with messy, real datasets and the questions a manager "
        "would actually ask.",
        level="beginner",
        price="19.99/89.99",
        featured=True,
        popularity=1.5,
        outcomes=(
            "Load data from CSV, Excel and SQL sources into DataFrames",
            "Clean missing, duplicated and inconsistent values",
            "Group, aggregate and reshape data to answer business questions",
            "Create clear charts with Matplotlib and pandas plotting",
            "Present findings in a shareable Jupyter notebook",
        ),
        requirements=(
            "Basic Python: variables, lists and functions",
            "A computer that can run Jupyter (setup is covered in the course)",
        ),
        audience=(
            "Analysts who want to move beyond spreadsheets",
            "Python beginners interested in data",
            "Students preparing for data science roles",
        ),
        tags=("python", "pandas", "data analysis", "jupyter"),
        curriculum="""
Setting up | Installing Anaconda and Jupyter; A tour of notebooks; Loading your first dataset
DataFrame essentials | Series and DataFrames; Selecting rows and columns; Filtering with conditions; Sorting and ranking
Cleaning data | Finding missing values; Fixing data types; Removing duplicates; Working with dates and times
Analysis | Grouping and aggregating; Pivot tables; Merging datasets; Answering questions with data
Visualisation and reporting | Plotting with pandas; Customising Matplotlib charts; Telling a story with a notebook; Final project: the bike-share report
""",  # noqa: E501
        terms=(
            ("DataFrame", "a two-dimensional table of data with labelled rows and columns"),
            ("Series", "a one-dimensional labelled array, such as a single column"),
            (
                "groupby",
                "an operation that splits data into groups, applies a function and "
                "combines the results",
            ),
            ("NaN", "the marker pandas uses for a missing value"),
            ("merge", "an operation that combines two tables using matching key columns"),
            ("pivot table", "a summary table that aggregates values by row and column categories"),
        ),
    ),
    CourseSpec(
        instructor=2,
        category="data-science",
        title="Machine Learning Foundations with scikit-learn",
        subtitle="Understand and apply the core machine-learning algorithms, evaluate models "
        "honestly and avoid the classic traps.",
        subject="machine learning",
        project="your house-price prediction model",
        blurb="Machine learning is less magic than it looks. You will learn how the main "
        "algorithms work, how to prepare data for them and, most importantly, how to tell "
        "whether a model is actually any good.",
        level="intermediate",
        price="49.99/129.99",
        popularity=1.3,
        outcomes=(
            "Frame a business problem as a supervised learning task",
            "Prepare features with pipelines and encoders",
            "Train regression, classification and tree-based models",
            "Evaluate models with cross-validation and the right metrics",
            "Detect and fix overfitting and data leakage",
        ),
        requirements=("Working knowledge of Python and pandas", "Secondary-school maths"),
        audience=(
            "Data analysts moving into data science",
            "Developers curious about how machine learning works",
        ),
        tags=("machine learning", "scikit-learn", "python", "data science"),
        curriculum="""
What machine learning is | Supervised and unsupervised learning; The machine-learning workflow; Your first model in ten lines
Regression | Linear regression intuition; Features and feature engineering; Regularisation; Evaluating regression models
Classification | Logistic regression; Decision trees; Precision, recall and the confusion matrix; Imbalanced classes
Doing it properly | Train, validation and test splits; Cross-validation; Pipelines; Data leakage and how to avoid it
Better models | Random forests; Gradient boosting; Hyperparameter tuning; Explaining predictions; Final project review
""",  # noqa: E501
        terms=(
            (
                "overfitting",
                "when a model learns noise in the training data and performs poorly on new data",
            ),
            ("feature", "an input variable the model uses to make predictions"),
            (
                "cross-validation",
                "evaluating a model on several train/test splits and averaging the results",
            ),
            ("precision", "the share of predicted positives that are actually positive"),
            ("recall", "the share of actual positives that the model finds"),
            ("data leakage", "information from outside the training data sneaking into training"),
        ),
    ),
    CourseSpec(
        instructor=0,
        category="databases",
        title="SQL for Data Work: PostgreSQL Hands-On",
        subtitle="Write confident SQL queries, joins and aggregations on a real PostgreSQL "
        "database, and design tables that stay fast.",
        subject="SQL",
        project="your online-bookshop database",
        blurb="SQL is the one language every data role shares. You query a realistic "
        "online-bookshop database from the first lesson, and by the end you design your own "
        "tables, indexes and reports.",
        level="beginner",
        price="14.99/74.99",
        popularity=1.2,
        outcomes=(
            "Query data with SELECT, WHERE, ORDER BY and LIMIT",
            "Combine tables with inner and outer joins",
            "Summarise data with GROUP BY and window functions",
            "Design normalised tables with keys and constraints",
            "Speed up slow queries with indexes and EXPLAIN",
        ),
        requirements=("No prior SQL knowledge", "Permission to install software on your computer"),
        audience=(
            "Analysts, marketers and product managers who need their own numbers",
            "Developers who want to understand the database behind their apps",
        ),
        tags=("sql", "postgresql", "databases", "data analysis"),
        curriculum="""
First queries | Installing PostgreSQL and a client; SELECT and FROM; Filtering with WHERE; Sorting and limiting results
Joining tables | Why data lives in several tables; Inner joins; Left and right joins; Self-joins
Aggregation | COUNT, SUM and AVG; GROUP BY and HAVING; Window functions; Common table expressions
Designing databases | Primary and foreign keys; Normalisation; Constraints that protect your data
Performance | How indexes work; Reading EXPLAIN output; Transactions and locking; Project: the bookshop sales report
""",  # noqa: E501
        terms=(
            ("primary key", "a column or set of columns that uniquely identifies each row"),
            ("foreign key", "a column that refers to the primary key of another table"),
            ("join", "an operation that combines rows from two tables based on a related column"),
            ("index", "a data structure that makes finding rows faster at the cost of storage"),
            ("transaction", "a group of statements that succeed or fail together"),
            (
                "window function",
                "a function computed over a set of rows related to the current row",
            ),
        ),
    ),
    CourseSpec(
        instructor=1,
        category="mobile-development",
        title="Flutter Mobile Apps from Scratch",
        subtitle="Build beautiful iOS and Android apps from a single Dart codebase: widgets, "
        "state, navigation, APIs and publishing.",
        subject="mobile development",
        project="your habit-tracker app",
        blurb="Flutter lets you ship to iOS and Android from one codebase without giving up "
        "native performance. We build a polished habit-tracker app together, from the first "
        "widget to the app-store listing.",
        level="intermediate",
        price="39.99/99.99",
        popularity=0.9,
        outcomes=(
            "Write Dart code with confidence",
            "Compose layouts from Flutter widgets",
            "Manage app state with Provider",
            "Call REST APIs and store data on the device",
            "Prepare and publish an app to the stores",
        ),
        requirements=(
            "Experience with any programming language",
            "A computer able to run Android Studio or Xcode",
        ),
        audience=(
            "Web developers who want to build mobile apps",
            "Programmers who want one codebase for iOS and Android",
        ),
        tags=("flutter", "dart", "mobile", "android", "ios"),
        curriculum="""
Dart in a day | Why Flutter and Dart; Variables, types and null safety; Functions and classes; Async code in Dart
Widgets and layout | Everything is a widget; Rows, columns and stacks; Styling and themes; Building the habit list screen
State and navigation | Stateless and stateful widgets; State management with Provider; Navigating between screens; Forms and validation
Data | Calling a REST API; Storing data on the device; Offline-first thinking
Shipping | Testing widgets; App icons and splash screens; Publishing to Google Play and the App Store
""",  # noqa: E501
        terms=(
            ("widget", "an immutable description of part of the user interface"),
            ("hot reload", "updating the running app with code changes without losing its state"),
            ("null safety", "a guarantee that a variable cannot be null unless declared so"),
            ("stateful widget", "a widget with mutable state that rebuilds when the state changes"),
            (
                "Provider",
                "a package that makes shared state available to widgets lower in the tree",
            ),
            ("Future", "a Dart object representing a value that will be available later"),
        ),
    ),
    CourseSpec(
        instructor=1,
        category="game-development",
        title="Game Development with Godot 4",
        subtitle="Make your first 2D platformer with the free Godot engine: scenes, physics, "
        "animation, sound and exporting your game.",
        subject="game development",
        project="your 2D platformer",
        blurb="Godot is a free, open-source engine that is light enough for a laptop and powerful "
        "enough for commercial games. You build a complete 2D platformer and learn the patterns "
        "behind most indie games.",
        level="beginner",
        price="29.99",
        popularity=0.8,
        outcomes=(
            "Navigate the Godot editor and organise projects into scenes",
            "Script gameplay in GDScript",
            "Use physics bodies, collisions and signals",
            "Animate characters and add sound effects",
            "Export your game for desktop and the web",
        ),
        requirements=(
            "No game development experience needed",
            "Basic programming knowledge helps but is not required",
        ),
        audience=("Aspiring indie game developers", "Programmers who want a creative side project"),
        tags=("godot", "game development", "gdscript", "2d games"),
        curriculum="""
Meet Godot | Installing Godot and a tour of the editor; Nodes and scenes; Your first script in GDScript
The player | Moving a character; Gravity and jumping; Collisions and physics layers; A camera that follows
Building levels | Tilemaps; Collectibles and signals; Enemies with simple AI; Hazards and respawning
Polish | Sprite animation; Sound effects and music; Menus and the HUD; Saving progress
Release | Exporting for desktop; Exporting for the web; Playtesting and feedback
""",  # noqa: E501
        terms=(
            ("node", "the basic building block of a Godot scene"),
            ("scene", "a tree of nodes saved together and reusable as a unit"),
            ("signal", "a message a node emits so others can react without tight coupling"),
            ("GDScript", "Godot's Python-like scripting language"),
            ("tilemap", "a grid of reusable tiles used to paint levels"),
            ("delta time", "the time since the previous frame, used for smooth movement"),
        ),
    ),
    CourseSpec(
        instructor=0,
        category="software-testing",
        title="Testing Python Code with pytest",
        subtitle="Write fast, readable tests with fixtures, parametrisation and mocks, and build "
        "a test suite you can trust.",
        subject="software testing",
        project="your shopping-cart test suite",
        blurb="Good tests let you change code without fear. This course shows how to write tests "
        "that are quick to run, easy to read and actually catch bugs, using pytest, the most "
        "popular testing tool in Python.",
        level="intermediate",
        price="24.99/59.99",
        popularity=0.7,
        outcomes=(
            "Write and organise tests with pytest",
            "Share setup code with fixtures",
            "Cover many cases with parametrised tests",
            "Isolate slow or external dependencies",
            "Measure coverage and run tests in CI",
        ),
        requirements=(
            "Intermediate Python: functions, classes and modules",
            "Python 3.10 or newer installed",
        ),
        audience=(
            "Python developers who rarely write tests",
            "Teams who want a consistent testing style",
        ),
        tags=("python", "pytest", "testing", "quality"),
        curriculum="""
Why test | What tests are for; Your first pytest test; Reading test failures
Writing good tests | Arrange, act, assert; Testing exceptions; Naming and organising tests; Test-driven development in practice
Fixtures and parameters | Fixtures; Fixture scopes; Parametrised tests; Temporary files and directories
Dealing with the outside world | Mocks and fakes; Testing code that depends on time; Testing against a real database
Test suites at scale | Coverage reports; Property-based testing with Hypothesis; Running tests in CI; Keeping the suite fast
""",  # noqa: E501
        terms=(
            ("fixture", "a function that prepares and cleans up what a test needs"),
            ("assertion", "a statement that checks a condition and fails the test if it is false"),
            ("mock", "a stand-in object that records how it was used"),
            ("test coverage", "the share of code lines executed by the test suite"),
            ("regression test", "a test that guards against a fixed bug coming back"),
            ("parametrisation", "running one test function with several sets of inputs"),
        ),
    ),
    CourseSpec(
        instructor=3,
        category="devops",
        title="Docker and Kubernetes in Practice",
        subtitle="Containerise applications, orchestrate them with Kubernetes and run them "
        "reliably in production.",
        subject="containers",
        project="your three-service web app",
        blurb="Containers changed how software is shipped. You containerise a real multi-service "
        "application, run it locally with Compose and then deploy, scale and update it on "
        "Kubernetes.",
        level="intermediate",
        price="59.99/129.99",
        featured=True,
        popularity=1.3,
        outcomes=(
            "Write efficient, secure Dockerfiles",
            "Run multi-container apps with Docker Compose",
            "Deploy applications to Kubernetes with Deployments and Services",
            "Configure apps with ConfigMaps and Secrets",
            "Roll out updates without downtime and troubleshoot failing pods",
        ),
        requirements=(
            "Comfort with the Linux command line",
            "Experience deploying or running a web application",
        ),
        audience=(
            "Developers who want to own their deployments",
            "System administrators moving to cloud-native infrastructure",
        ),
        tags=("docker", "kubernetes", "devops", "containers"),
        curriculum="""
Containers | Why containers; Images and containers; Writing a Dockerfile; Multi-stage builds
Docker in daily work | Volumes and persistent data; Networking between containers; Docker Compose; Image security basics
Kubernetes fundamentals | Cluster architecture; Pods; Deployments and ReplicaSets; Services and ingress
Running in production | ConfigMaps and Secrets; Health checks and probes; Rolling updates and rollbacks; Autoscaling
Operations | Logging and monitoring; Troubleshooting pods; Helm charts; Putting it all together
""",  # noqa: E501
        terms=(
            ("image", "a read-only template with everything needed to run a container"),
            ("container", "a running, isolated process created from an image"),
            ("pod", "the smallest deployable unit in Kubernetes, holding one or more containers"),
            (
                "Deployment",
                "a Kubernetes object that keeps identical pods running and updates them",
            ),
            ("liveness probe", "a check Kubernetes uses to decide whether to restart a container"),
            ("volume", "storage that outlives a single container"),
        ),
    ),
    CourseSpec(
        instructor=0,
        category="programming-languages",
        title="Go for Backend Developers",
        subtitle="Write fast, concurrent, maintainable services in Go: the type system, "
        "goroutines, HTTP servers, testing and profiling.",
        subject="Go",
        project="your URL-shortener service",
        blurb="Go was designed for building reliable network services, and it shows. This course "
        "is for developers who already know another language and want to write idiomatic, "
        "concurrent Go that is pleasant to maintain.",
        level="expert",
        price="44.99/99.99",
        popularity=0.8,
        outcomes=(
            "Write idiomatic Go with structs, interfaces and error values",
            "Use goroutines, channels and context safely",
            "Build HTTP services with the standard library",
            "Test and benchmark Go code",
            "Profile and optimise a running service",
        ),
        requirements=(
            "Professional experience in at least one programming language",
            "Familiarity with HTTP and JSON",
        ),
        audience=(
            "Backend developers adding Go to their toolkit",
            "Engineers joining a team that uses Go",
        ),
        tags=("go", "golang", "backend", "concurrency"),
        curriculum="""
The language | A tour of Go syntax; Structs and methods; Interfaces; Errors as values
Concurrency | Goroutines; Channels; Select and timeouts; The context package; Race conditions
Building services | The net/http package; Routing and middleware; JSON encoding; Talking to PostgreSQL
Quality | Table-driven tests; Benchmarks; Profiling with pprof; Project structure and modules
""",  # noqa: E501
        terms=(
            ("goroutine", "a lightweight thread managed by the Go runtime"),
            ("channel", "a typed conduit that goroutines use to send and receive values"),
            ("interface", "a set of method signatures that a type satisfies implicitly"),
            ("context", "a value that carries deadlines and cancellation across API boundaries"),
            ("race condition", "a bug where the result depends on the timing of concurrent code"),
            ("struct", "a typed collection of named fields"),
        ),
    ),
    CourseSpec(
        instructor=5,
        category="entrepreneurship",
        title="Launch Your First Online Business",
        subtitle="Go from idea to first paying customers: validate demand, build a simple offer, "
        "price it and market it on a budget.",
        subject="entrepreneurship",
        project="your one-page business plan",
        blurb="Most new businesses fail because they build something nobody asked for. This "
        "course gives you a practical, low-cost process to test an idea, shape an offer people "
        "want and win your first customers.",
        level="beginner",
        price="19.99/79.99",
        popularity=1.0,
        outcomes=(
            "Turn a vague idea into a specific, testable offer",
            "Validate demand before spending money",
            "Price your product with confidence",
            "Set up a simple website and payment flow",
            "Find and keep your first ten customers",
        ),
        requirements=("An idea, or the wish to find one", "No business background needed"),
        audience=(
            "Employees planning a side business",
            "Freelancers who want to productise their services",
            "Students curious about starting a company",
        ),
        tags=("entrepreneurship", "startup", "small business", "online business"),
        curriculum="""
From idea to offer | Finding problems worth solving; Who is your customer?; Writing a one-sentence offer
Validation | Customer interviews; Landing-page tests; Pre-sales; Reading the signals
Building the business | Choosing a business model; Pricing your offer; Legal and tax basics; Setting up payments
First customers | Marketing on a budget; Sales conversations; Delighting early customers
Growing | Measuring what matters; When to quit your job; Your 90-day plan
""",  # noqa: E501
        terms=(
            (
                "minimum viable product",
                "the simplest version of a product that lets you learn from real customers",
            ),
            ("value proposition", "a clear statement of the benefit a customer gets from an offer"),
            ("customer acquisition cost", "the average amount spent to win one new customer"),
            ("pre-sale", "selling a product before it is fully built to prove demand"),
            ("business model", "the way a business creates value and earns money from it"),
            ("churn", "the rate at which customers stop buying or cancel"),
        ),
    ),
    CourseSpec(
        instructor=6,
        category="communication",
        title="Confident Public Speaking",
        subtitle="Structure talks people remember, manage nerves and deliver with presence, in "
        "meetings, on stage and on video.",
        subject="public speaking",
        project="your five-minute talk",
        blurb="Great speakers are made, not born. Through short exercises and a talk you prepare "
        "step by step, you learn to organise your ideas, calm your nerves and speak with a "
        "clear, confident voice.",
        level="all",
        price="14.99/54.99",
        popularity=1.1,
        outcomes=(
            "Structure any talk with a clear opening, body and close",
            "Manage nerves with practical techniques",
            "Use voice, pauses and body language deliberately",
            "Design simple slides that support rather than distract",
            "Handle questions and tough audiences calmly",
        ),
        requirements=(
            "Nothing but the willingness to practise out loud",
            "A phone or webcam to record yourself",
        ),
        audience=(
            "Professionals who present at work",
            "Students preparing for presentations",
            "Anyone who feels anxious speaking in front of others",
        ),
        tags=("public speaking", "communication", "presentation skills", "confidence"),
        curriculum="""
Foundations | Why speaking feels scary; What audiences really want; Recording your baseline talk
Structure | Opening with a hook; The rule of three; Stories that make a point; Memorable endings
Delivery | Voice and pace; The power of the pause; Body language and eye contact; Managing nerves on the day
Slides and formats | Slides that support you; Speaking on video calls; Impromptu speaking
Questions and beyond | Handling Q&A; Difficult audiences; Your final talk and self-review
""",  # noqa: E501
        terms=(
            ("hook", "an opening line that grabs the audience's attention"),
            ("rule of three", "grouping ideas in threes because audiences remember them better"),
            ("filler word", "a word like 'um' or 'so' used to fill silence"),
            ("call to action", "a clear request for what the audience should do next"),
            ("signposting", "telling the audience where you are in the talk and what comes next"),
            ("pause", "a deliberate silence that adds emphasis and gives listeners time to think"),
        ),
    ),
    CourseSpec(
        instructor=5,
        category="management",
        title="The New Manager's Playbook",
        subtitle="Make the move from individual contributor to manager: one-on-ones, feedback, "
        "delegation and running a healthy team.",
        subject="management",
        project="your 30-60-90 day plan",
        blurb="Nobody teaches you how to manage; one day you simply are a manager. This course "
        "gives you the conversations, routines and tools that experienced managers rely on, so "
        "your first year goes well for you and your team.",
        level="beginner",
        price="24.99/84.99",
        popularity=0.8,
        outcomes=(
            "Run useful one-on-one meetings",
            "Give feedback that is specific, kind and actionable",
            "Delegate work without losing track of it",
            "Set goals and expectations the team understands",
            "Handle underperformance and conflict early",
        ),
        requirements=("Managing people now, or about to", "No prior management training needed"),
        audience=(
            "First-time managers and team leads",
            "Experienced professionals preparing for a management role",
        ),
        tags=("management", "leadership", "feedback", "teams"),
        curriculum="""
Becoming a manager | What changes when you manage; Your first 30 days; Building trust
Core routines | One-on-ones that matter; Running effective team meetings; Setting clear goals
Feedback and growth | Giving feedback; Receiving feedback; Career conversations; Recognising good work
Delegation and performance | Delegating well; Managing underperformance; Handling conflict
Sustaining the team | Hiring your first team member; Preventing burnout; Your 30-60-90 day plan
""",  # noqa: E501
        terms=(
            ("one-on-one", "a regular private meeting between a manager and a team member"),
            ("delegation", "handing a task to someone together with the authority to do it"),
            (
                "SMART goal",
                "a goal that is specific, measurable, achievable, relevant and time-bound",
            ),
            (
                "psychological safety",
                "a shared belief that the team is safe for interpersonal risk-taking",
            ),
            (
                "situation-behaviour-impact",
                "a feedback model describing what happened, what the person did and its effect",
            ),
            ("span of control", "the number of people who report directly to a manager"),
        ),
    ),
    CourseSpec(
        instructor=6,
        category="sales",
        title="B2B Sales: From Prospect to Close",
        subtitle="A repeatable process for finding, qualifying and closing business customers, "
        "without sounding like a salesperson.",
        subject="B2B sales",
        project="your sales playbook",
        blurb="Selling to businesses is a process, not a personality trait. You build a "
        "complete, repeatable sales playbook, from identifying the right accounts to negotiating "
        "and closing, that you can adapt to any product.",
        level="intermediate",
        price="34.99/94.99",
        popularity=0.6,
        outcomes=(
            "Define an ideal customer profile and build a target list",
            "Write outreach messages that get replies",
            "Run discovery calls that uncover real needs",
            "Qualify opportunities and forecast accurately",
            "Negotiate and close deals while protecting margin",
        ),
        requirements=(
            "Some experience in a customer-facing role helps",
            "Access to a CRM or a spreadsheet",
        ),
        audience=(
            "Founders doing sales themselves",
            "New account executives and sales development reps",
        ),
        tags=("sales", "b2b", "negotiation", "prospecting"),
        curriculum="""
Preparing to sell | The B2B buying process; Your ideal customer profile; Building a target list
Prospecting | Cold email that gets replies; Calling without a script; Social selling on LinkedIn
Discovery and qualification | Running a discovery call; Qualification frameworks; Mapping the buying committee
Closing | Tailored demos; Handling objections; Negotiation basics; Closing and handover
Running a pipeline | Pipeline stages; Forecasting; Writing your sales playbook
""",  # noqa: E501
        terms=(
            (
                "ideal customer profile",
                "a description of the companies most likely to buy and succeed with a product",
            ),
            ("pipeline", "the set of open opportunities at each stage of the sales process"),
            ("discovery call", "an early conversation to understand a prospect's needs"),
            ("objection", "a concern a prospect raises that stands in the way of buying"),
            ("champion", "a person inside the customer's company who actively supports the deal"),
            ("qualification", "deciding whether an opportunity is worth pursuing"),
        ),
    ),
    CourseSpec(
        instructor=5,
        category="accounting",
        title="Bookkeeping and Accounting Basics",
        subtitle="Understand debits and credits, keep clean books and read the three core "
        "financial statements with confidence.",
        subject="accounting",
        project="your coffee shop's books",
        blurb="Accounting is the language of business, and bookkeeping is its grammar. We keep "
        "the books of a small coffee shop for a month, and along the way every concept, from "
        "double entry to the balance sheet, becomes concrete.",
        level="beginner",
        price="INR 499/3199",
        popularity=0.9,
        outcomes=(
            "Record transactions with double-entry bookkeeping",
            "Build a trial balance and fix common errors",
            "Prepare an income statement, balance sheet and cash-flow statement",
            "Understand accruals, depreciation and inventory",
            "Keep tidy books for a small business",
        ),
        requirements=("Basic arithmetic", "A spreadsheet program"),
        audience=(
            "Small-business owners and freelancers",
            "Students starting an accounting or business degree",
        ),
        tags=("accounting", "bookkeeping", "finance", "small business"),
        curriculum="""
The language of business | Why accounting matters; The accounting equation; Debits and credits
Recording transactions | The general journal; Posting to the ledger; The trial balance; Finding and fixing errors
Adjustments | Accruals and deferrals; Depreciation; Inventory basics
Financial statements | The income statement; The balance sheet; The cash-flow statement; Reading statements together
Practical bookkeeping | Choosing accounting software; A month-end close checklist; Closing the coffee shop's month
""",  # noqa: E501
        terms=(
            (
                "double-entry bookkeeping",
                "recording every transaction as equal debits and credits in at least two accounts",
            ),
            ("trial balance", "a list of all account balances used to check debits equal credits"),
            ("accrual", "revenue or expense recorded when earned or incurred, not when cash moves"),
            ("depreciation", "spreading the cost of an asset over its useful life"),
            ("balance sheet", "a statement of assets, liabilities and equity at one point in time"),
            ("ledger", "the book of accounts where journal entries are summarised by account"),
        ),
    ),
    CourseSpec(
        instructor=5,
        category="investing-and-trading",
        title="Index Investing for the Long Term",
        subtitle="Build a simple, low-cost portfolio of index funds, understand risk and stay the "
        "course when markets get rough.",
        subject="investing",
        project="your long-term investment plan",
        blurb="You don't need to pick stocks or time the market to invest well. This course "
        "explains why low-cost index investing works, how to build a portfolio that fits your "
        "goals and how to avoid the behavioural mistakes that cost investors the most.",
        level="beginner",
        price="29.99/89.99",
        featured=True,
        popularity=1.4,
        outcomes=(
            "Explain how stocks, bonds and funds work",
            "Understand risk, return and diversification",
            "Choose low-cost index funds and ETFs",
            "Build and rebalance an asset allocation",
            "Avoid the most expensive behavioural mistakes",
        ),
        requirements=("No investing experience required", "Basic comfort with percentages"),
        audience=(
            "Beginners who want to start investing",
            "Savers who want a simple, evidence-based plan",
        ),
        tags=("investing", "index funds", "etf", "personal finance"),
        curriculum="""
Investing basics | Why invest at all; Stocks, bonds and cash; How compounding works
Risk and return | What risk really means; Diversification; Why fees matter so much
Index funds | What an index fund is; ETFs versus mutual funds; Choosing a fund
Building your portfolio | Asset allocation by goal; Where to hold your investments; Rebalancing; Investing regularly
Staying the course | Market crashes and your emotions; Common investing myths; Writing your investment plan
""",  # noqa: E501
        terms=(
            ("index fund", "a fund that tracks a market index instead of picking stocks"),
            ("diversification", "spreading money across many investments to reduce risk"),
            ("expense ratio", "the annual fee a fund charges, as a percentage of assets"),
            ("asset allocation", "how a portfolio is divided between stocks, bonds and cash"),
            ("rebalancing", "restoring a portfolio to its target allocation"),
            ("compound interest", "earning returns on your original money and on past returns"),
        ),
    ),
    CourseSpec(
        instructor=5,
        category="personal-finance",
        title="Personal Finance: Budget, Save, Invest",
        subtitle="A free, practical course to take control of your money: budgeting, an "
        "emergency fund, paying off debt and your first investments.",
        subject="personal finance",
        project="your budget and savings plan",
        blurb="Money stress is common, and mostly avoidable with a few good habits. In this free "
        "course you set up a budget you'll actually keep, build an emergency fund, plan your "
        "debt payoff and take your first steps as an investor.",
        level="beginner",
        price="0",
        popularity=1.5,
        outcomes=(
            "Create a realistic monthly budget",
            "Build an emergency fund",
            "Choose a debt-payoff strategy",
            "Understand credit scores",
            "Start investing for retirement",
        ),
        requirements=("No prior knowledge", "A recent bank statement to work with"),
        audience=(
            "Young professionals managing their first salary",
            "Anyone who wants to feel in control of their money",
        ),
        tags=("personal finance", "budgeting", "saving", "debt"),
        curriculum="""
Where your money goes | Tracking your spending; Needs, wants and savings; Building your first budget
Safety nets | The emergency fund; Insurance basics; Avoiding lifestyle creep
Debt | Good debt and bad debt; Avalanche versus snowball; Understanding credit scores
Growing your money | Saving versus investing; Retirement accounts explained; Your money plan
""",
        terms=(
            ("emergency fund", "cash set aside to cover three to six months of essential costs"),
            ("budget", "a plan for how you will spend and save your income"),
            ("debt avalanche", "paying off the debts with the highest interest rate first"),
            ("debt snowball", "paying off the smallest debts first to build momentum"),
            ("credit score", "a number lenders use to judge how likely you are to repay"),
            ("lifestyle creep", "spending more as income rises, leaving savings unchanged"),
        ),
    ),
    CourseSpec(
        instructor=3,
        category="it-certifications",
        title="AWS Certified Cloud Practitioner: Exam Prep",
        subtitle="Everything you need to pass the CLF-C02 exam: core AWS services, security, "
        "pricing and two full practice tests.",
        subject="AWS",
        project="your exam study plan",
        blurb="The Cloud Practitioner certification is the best first step into AWS. This "
        "course covers every domain of the exam in plain language, with diagrams, memory aids "
        "and practice questions in the style of the real thing.",
        level="beginner",
        price="INR 649/3499",
        popularity=1.2,
        outcomes=(
            "Explain the benefits of cloud computing and the AWS global infrastructure",
            "Describe the core compute, storage, database and networking services",
            "Understand the shared responsibility model and IAM",
            "Estimate costs and choose a support plan",
            "Pass the CLF-C02 exam on the first attempt",
        ),
        requirements=(
            "No AWS experience needed",
            "A free AWS account is recommended for the hands-on demos",
        ),
        audience=(
            "Non-technical professionals working with cloud teams",
            "IT beginners starting a cloud career",
        ),
        tags=("aws", "cloud computing", "certification", "clf-c02"),
        curriculum="""
Cloud concepts | What cloud computing is; The AWS global infrastructure; The Well-Architected Framework
Core services | Compute with EC2 and Lambda; Storage with S3 and EBS; Databases on AWS; Networking with VPC
Security | The shared responsibility model; IAM users, groups and roles; Security services overview
Billing and support | Pricing models; Cost tools; Support plans
Exam preparation | Exam strategy; Practice test one walkthrough; Practice test two walkthrough; The last-week checklist
""",  # noqa: E501
        terms=(
            ("region", "a separate geographic area containing several availability zones"),
            ("availability zone", "one or more isolated data centres within a region"),
            ("IAM role", "an identity with permissions that can be assumed temporarily"),
            (
                "shared responsibility model",
                "the split of security duties between AWS and the customer",
            ),
            ("S3", "AWS's object storage service for files of any size"),
            ("on-demand pricing", "paying for compute by the second or hour with no commitment"),
        ),
    ),
    CourseSpec(
        instructor=3,
        category="network-and-security",
        title="Network Security Fundamentals",
        subtitle="Understand how networks are attacked and defended: TCP/IP, firewalls, VPNs, "
        "TLS, intrusion detection and incident response.",
        subject="network security",
        project="your home-lab network",
        blurb="You cannot defend what you do not understand. This course starts from how packets "
        "actually travel and builds up to the controls and monitoring that keep real networks "
        "safe, with a home lab you can break and fix.",
        level="expert",
        price="49.99/119.99",
        popularity=0.9,
        outcomes=(
            "Explain the TCP/IP model and common protocols",
            "Configure firewalls and network segmentation",
            "Set up VPNs and understand TLS",
            "Detect suspicious traffic with an IDS",
            "Respond to a security incident methodically",
        ),
        requirements=(
            "Comfort with the command line",
            "A computer that can run two virtual machines",
        ),
        audience=(
            "IT professionals moving into security",
            "Developers who want to understand the network side",
        ),
        tags=("network security", "cybersecurity", "firewalls", "tls"),
        curriculum="""
How networks work | The TCP/IP model; Addressing and subnets; DNS and DHCP; Capturing traffic with Wireshark
Threats | Common network attacks; Scanning and reconnaissance; Man-in-the-middle attacks
Defences | Firewalls and rules; Network segmentation; VPNs; TLS and certificates
Detection and response | Intrusion detection systems; Logging and SIEM basics; Incident response steps; Hardening the home lab
""",  # noqa: E501
        terms=(
            ("firewall", "a system that allows or blocks traffic based on rules"),
            ("subnet", "a logical subdivision of an IP network"),
            ("TLS", "the protocol that encrypts traffic between a client and a server"),
            ("VPN", "an encrypted tunnel between two networks or a device and a network"),
            ("IDS", "a system that monitors traffic for signs of attack"),
            (
                "principle of least privilege",
                "giving every user and system only the access it needs",
            ),
        ),
    ),
    CourseSpec(
        instructor=3,
        category="operating-systems",
        title="Linux Command Line Mastery",
        subtitle="Navigate, automate and administer Linux from the terminal: files, permissions, "
        "processes, pipes and shell scripts.",
        subject="Linux",
        project="your home-folder backup script",
        blurb="The command line is the most powerful tool a developer or administrator has. "
        "Starting from your first ls, you learn to move around, manipulate text, manage "
        "processes and automate chores with shell scripts.",
        level="beginner",
        price="9.99/49.99",
        popularity=1.1,
        outcomes=(
            "Navigate the file system and manage files confidently",
            "Understand users, groups and permissions",
            "Combine commands with pipes and redirection",
            "Manage processes and services",
            "Write shell scripts to automate repetitive tasks",
        ),
        requirements=(
            "Access to Linux, macOS or Windows with WSL",
            "No command-line experience required",
        ),
        audience=(
            "Developers who want to be productive in the terminal",
            "Beginners starting a career in IT",
        ),
        tags=("linux", "bash", "command line", "shell scripting"),
        curriculum="""
First steps | Why the command line; Navigating directories; Creating, moving and deleting files; Getting help with man
Files and permissions | Users and groups; File permissions; Finding files; Archives and compression
Text processing | Pipes and redirection; Searching with grep; sed and awk basics; Reading logs
Processes and system | Processes and signals; Services with systemd; Package management; Disk and memory usage
Shell scripting | Variables and conditions; Loops; Scheduling with cron; Project: the backup script
""",  # noqa: E501
        terms=(
            ("pipe", "a connection that sends one command's output to another command's input"),
            ("permission bits", "the read, write and execute flags for owner, group and others"),
            ("process", "a running instance of a program"),
            ("shell script", "a text file of commands run by the shell"),
            ("root", "the superuser account with full control of the system"),
            ("environment variable", "a named value available to processes started from the shell"),
        ),
    ),
    CourseSpec(
        instructor=3,
        category="hardware",
        title="Build and Upgrade Your Own PC",
        subtitle="Choose compatible parts, assemble a PC safely, install the operating system "
        "and troubleshoot common problems.",
        subject="PC building",
        project="your PC parts list",
        blurb="Building a PC is easier than it looks and saves you money. We go through choosing "
        "parts, putting them together step by step and getting the system running, plus the "
        "upgrades that give the biggest boost.",
        level="beginner",
        price="12.99",
        popularity=0.5,
        outcomes=(
            "Choose compatible components for your budget",
            "Assemble a PC safely, step by step",
            "Install and configure the operating system",
            "Diagnose common hardware problems",
            "Plan cost-effective upgrades",
        ),
        requirements=("No experience needed", "A screwdriver and some patience"),
        audience=(
            "Gamers and creators who want a custom machine",
            "Anyone who wants to understand what's inside a computer",
        ),
        tags=("hardware", "pc building", "computers", "diy"),
        curriculum="""
Choosing parts | What each component does; CPU and motherboard compatibility; Memory and storage; Power supplies and cases
Assembly | Preparing your workspace; Installing the CPU and memory; Mounting the motherboard; Cable management
First boot | BIOS and UEFI settings; Installing the operating system; Drivers and updates
Troubleshooting and upgrades | When it won't boot; Temperature and noise; Upgrades that make the biggest difference
""",  # noqa: E501
        terms=(
            ("motherboard", "the main circuit board that connects all components"),
            (
                "chipset",
                "the motherboard component that manages communication between the CPU and devices",
            ),
            ("thermal paste", "a compound that improves heat transfer between the CPU and cooler"),
            ("UEFI", "the firmware interface that starts the computer before the operating system"),
            ("PSU", "the power supply unit that converts mains power for the components"),
            ("NVMe", "a fast protocol for solid-state drives connected over PCIe"),
        ),
    ),
    CourseSpec(
        instructor=5,
        category="microsoft-office",
        title="Excel for Business Analysis",
        subtitle="From formulas to PivotTables and dashboards: analyse business data in Excel "
        "faster and with fewer errors.",
        subject="Excel",
        project="your retail sales dashboard",
        blurb="Excel is still the most widely used analysis tool in business. This course takes "
        "you from basic formulas to lookups, PivotTables, charts and an interactive dashboard, "
        "with real sales data throughout.",
        level="beginner",
        price="19.99/84.99",
        popularity=1.4,
        outcomes=(
            "Write formulas with relative and absolute references",
            "Look up data with XLOOKUP and INDEX/MATCH",
            "Summarise data with PivotTables",
            "Clean data with Power Query",
            "Build an interactive dashboard",
        ),
        requirements=("Excel 2021 or Microsoft 365", "Basic computer skills"),
        audience=(
            "Office professionals who use Excel every day",
            "Job seekers who want a strong Excel skill on their CV",
        ),
        tags=("excel", "spreadsheets", "data analysis", "dashboards"),
        curriculum="""
Excel essentials | Navigating workbooks; Entering and formatting data; Formulas and references
Functions | Logical functions; Text and date functions; XLOOKUP and INDEX/MATCH; Conditional aggregation
Analysing data | Tables and structured references; Sorting and filtering; PivotTables; Conditional formatting
Working faster | Cleaning data with Power Query; Keyboard shortcuts; Data validation
Dashboards | Choosing the right chart; Slicers and interactivity; Building the sales dashboard
""",  # noqa: E501
        terms=(
            (
                "absolute reference",
                "a cell reference with dollar signs that does not change when copied",
            ),
            ("PivotTable", "an interactive table that summarises data by categories"),
            (
                "XLOOKUP",
                "a function that finds a value in one range and returns the match from another",
            ),
            ("Power Query", "Excel's tool for importing, cleaning and reshaping data"),
            ("slicer", "a button-based filter for PivotTables and tables"),
            ("named range", "a descriptive name given to a cell or range of cells"),
        ),
    ),
    CourseSpec(
        instructor=5,
        category="google-workspace",
        title="Google Sheets and Workspace Automation",
        subtitle="Automate reports, forms and email in Google Workspace with advanced Sheets "
        "formulas and Apps Script.",
        subject="Google Workspace automation",
        project="your self-updating weekly report",
        blurb="Many teams run on Google Sheets, Forms and Gmail, and lose hours to copy and "
        "paste. You learn the formulas and the Apps Script skills to connect these tools and let "
        "routine work run on its own.",
        level="intermediate",
        price="14.99",
        popularity=0.6,
        outcomes=(
            "Use QUERY, ARRAYFORMULA and IMPORTRANGE",
            "Collect data with Google Forms and process it automatically",
            "Write Apps Script functions and triggers",
            "Send personalised emails from a sheet",
            "Build a self-updating weekly report",
        ),
        requirements=("Basic Google Sheets experience", "A Google account"),
        audience=(
            "Operations and admin professionals",
            "Small-business owners who live in Google Workspace",
        ),
        tags=("google sheets", "apps script", "automation", "productivity"),
        curriculum="""
Advanced Sheets | The QUERY function; ARRAYFORMULA; IMPORTRANGE and connected sheets
Forms and data collection | Designing good forms; Processing responses; Data validation in Sheets
Apps Script basics | Your first script; Reading and writing ranges; Custom functions
Automation | Time-driven triggers; Sending emails from a sheet; Building the weekly report
""",
        terms=(
            ("Apps Script", "Google's JavaScript-based platform for automating Workspace apps"),
            ("trigger", "a rule that runs a script automatically on an event or schedule"),
            ("QUERY", "a Sheets function that runs SQL-like queries on a range"),
            ("ARRAYFORMULA", "a function that applies a formula to a whole range at once"),
            ("custom function", "a script function you can call from a cell like a built-in one"),
            ("IMPORTRANGE", "a function that pulls data from another spreadsheet"),
        ),
    ),
    CourseSpec(
        instructor=7,
        category="productivity",
        title="Deep Work: A Productivity System That Lasts",
        subtitle="Focus on what matters, tame your inbox and plan weeks you can actually keep, "
        "without burning out.",
        subject="productivity",
        project="your weekly planning system",
        blurb="Being busy is not the same as being productive. This free course shows how to "
        "protect time for deep, focused work, reduce distractions and build a simple weekly "
        "routine that keeps you on track.",
        level="all",
        price="0",
        popularity=1.3,
        outcomes=(
            "Identify the work that truly moves your goals forward",
            "Schedule focused deep-work blocks",
            "Reduce distractions and context switching",
            "Process email and messages efficiently",
            "Run a weekly review that keeps you in control",
        ),
        requirements=("A calendar and a notes app", "No prior productivity system needed"),
        audience=(
            "Knowledge workers who feel constantly busy",
            "Students juggling many commitments",
        ),
        tags=("productivity", "focus", "time management", "habits"),
        curriculum="""
Why focus matters | Busy versus productive; The cost of context switching; Measuring your focus
Planning | Choosing your priorities; Time blocking; Planning a realistic week
Protecting focus | Designing your environment; Managing notifications; Inbox zero without obsession
Habits that stick | Building routines; The weekly review; Rest and recovery
""",
        terms=(
            ("deep work", "focused, distraction-free work on cognitively demanding tasks"),
            ("time blocking", "scheduling specific blocks of time for specific tasks"),
            ("context switching", "moving between tasks, which costs time and attention"),
            ("weekly review", "a regular session to reflect on the past week and plan the next"),
            ("shallow work", "routine tasks that do not require deep concentration"),
            ("implementation intention", "a plan of the form 'when X happens, I will do Y'"),
        ),
    ),
    CourseSpec(
        instructor=7,
        category="leadership",
        title="Leading Teams Through Change",
        subtitle="Guide your team through reorganisations, new strategies and uncertainty while "
        "keeping trust and performance high.",
        subject="leadership",
        project="your change plan",
        blurb="Change is constant, and most change efforts still fail. This course gives leaders "
        "the models and conversations to explain why change is needed, bring people along and "
        "sustain new ways of working.",
        level="intermediate",
        price="39.99/89.99",
        popularity=0.6,
        outcomes=(
            "Explain the human side of organisational change",
            "Build a compelling case for change",
            "Communicate clearly during uncertainty",
            "Handle resistance with empathy",
            "Make change stick after the launch",
        ),
        requirements=(
            "Experience leading a team or project",
            "A current or upcoming change to work on",
        ),
        audience=("Managers and team leads", "HR and transformation professionals"),
        tags=("leadership", "change management", "communication", "teams"),
        curriculum="""
Understanding change | Why change efforts fail; How people experience change; Your leadership style under pressure
Preparing | Building the case for change; Mapping stakeholders; Planning quick wins
Leading the transition | Communicating through uncertainty; Working with resistance; Keeping the team motivated
Making it stick | Reinforcing new habits; Measuring progress; Learning from the change
""",  # noqa: E501
        terms=(
            ("stakeholder", "anyone affected by or able to influence the change"),
            (
                "resistance to change",
                "people's natural pushback when familiar ways of working are threatened",
            ),
            ("quick win", "an early, visible success that builds momentum"),
            ("change curve", "a model of the emotional stages people go through during change"),
            ("burning platform", "a compelling reason why staying the same is not an option"),
            ("sponsor", "a senior leader who champions and funds the change"),
        ),
    ),
    CourseSpec(
        instructor=5,
        category="career-development",
        title="Land Your Next Job: CV, Interviews, Negotiation",
        subtitle="Write a CV that gets interviews, answer questions with confidence and "
        "negotiate the offer you deserve.",
        subject="job searching",
        project="your tailored CV and interview story bank",
        blurb="Job hunting is a skill you can learn. This course walks through the whole "
        "process, from positioning and CV to interviews and negotiation, with templates and "
        "scripts you can use straight away.",
        level="all",
        price="17.99/64.99",
        popularity=1.0,
        outcomes=(
            "Define the roles you are targeting",
            "Write a results-focused CV and LinkedIn profile",
            "Answer behavioural questions with the STAR method",
            "Prepare for technical and panel interviews",
            "Negotiate salary and benefits confidently",
        ),
        requirements=(
            "Nothing but your work history",
            "A draft CV helps but is not required",
        ),
        audience=(
            "Job seekers at any career stage",
            "Graduates looking for their first role",
            "Professionals planning a career change",
        ),
        tags=("career", "cv", "interviews", "negotiation"),
        curriculum="""
Positioning | Knowing what you want; Researching companies; Your personal pitch
Applications | Writing a results-focused CV; Your LinkedIn profile; Cover letters that get read; Networking without awkwardness
Interviews | The STAR method; Common questions and strong answers; Questions to ask the interviewer; Video interviews
Offers | Evaluating an offer; Negotiating salary; Starting strong in your new role
""",  # noqa: E501
        terms=(
            ("STAR method", "answering with the situation, task, action and result"),
            (
                "applicant tracking system",
                "software employers use to collect and filter applications",
            ),
            ("elevator pitch", "a short summary of who you are and what you offer"),
            (
                "informational interview",
                "an informal conversation to learn about a role or company",
            ),
            ("total compensation", "salary plus bonuses, equity and benefits"),
            ("BATNA", "your best alternative if a negotiation fails"),
        ),
    ),
    CourseSpec(
        instructor=4,
        category="graphic-design",
        title="Graphic Design Fundamentals",
        subtitle="Learn the principles behind great design: typography, colour, layout and "
        "composition, with projects for your portfolio.",
        subject="graphic design",
        project="your café brand identity",
        blurb="Good design is not about talent or expensive software; it's about principles you "
        "can learn. Through small exercises and a café branding project, you train your eye and "
        "learn to make deliberate design decisions.",
        level="beginner",
        price="24.99/94.99",
        popularity=1.1,
        outcomes=(
            "Apply contrast, alignment, repetition and proximity",
            "Pair typefaces and set readable text",
            "Build harmonious colour palettes",
            "Create balanced layouts with grids",
            "Design a logo and a simple brand identity",
        ),
        requirements=(
            "Any design tool: Figma, Affinity or Adobe apps",
            "No design experience needed",
        ),
        audience=(
            "Beginners who want to start in design",
            "Marketers and founders who create their own visuals",
        ),
        tags=("graphic design", "typography", "colour theory", "branding"),
        curriculum="""
Seeing like a designer | What makes design good; Visual hierarchy; The four basic principles
Typography | The anatomy of type; Pairing typefaces; Setting body text
Colour | Colour theory basics; Building a palette; Colour and accessibility
Layout | Grids; White space; Composition and balance
Branding project | Researching the café; Designing the logo; Brand guidelines; Presenting your work
""",
        terms=(
            ("visual hierarchy", "arranging elements so the eye sees the most important first"),
            ("kerning", "adjusting the space between individual pairs of letters"),
            ("white space", "empty space around and between elements"),
            ("complementary colours", "colours opposite each other on the colour wheel"),
            ("grid", "a structure of columns and rows that aligns elements on a page"),
            ("contrast", "a visible difference in size, colour or weight that creates emphasis"),
        ),
    ),
    CourseSpec(
        instructor=4,
        category="ux-design",
        title="UX Design: From Research to Prototype in Figma",
        subtitle="Run user research, map journeys, design wireframes and test interactive "
        "prototypes: the full UX process on one real product.",
        subject="UX design",
        project="your court-booking app",
        blurb="UX design is about solving the right problem for real people. You take one "
        "product, an app for booking local sports courts, from research to a tested, "
        "high-fidelity prototype, and come away with a case study for your portfolio.",
        level="intermediate",
        price="44.99/119.99",
        featured=True,
        popularity=1.3,
        outcomes=(
            "Plan and run user interviews",
            "Turn research into personas and journey maps",
            "Sketch and wireframe solutions quickly",
            "Build interactive prototypes in Figma",
            "Test designs with users and iterate",
        ),
        requirements=("A free Figma account", "Curiosity about how people use products"),
        audience=(
            "Graphic designers moving into UX",
            "Product managers and developers who want to design better products",
        ),
        tags=("ux design", "figma", "user research", "prototyping"),
        curriculum="""
Understanding users | What UX design is; Planning research; Conducting user interviews; Synthesising findings
Defining the problem | Personas; Journey maps; Problem statements
Ideation and wireframes | Sketching ideas; Information architecture; Wireframing in Figma
Prototyping | Components and auto layout; Interactive prototypes; Designing for accessibility
Testing and presenting | Usability testing; Iterating on feedback; Writing your case study
""",  # noqa: E501
        terms=(
            ("persona", "a fictional but research-based profile of a typical user"),
            (
                "journey map",
                "a visual of the steps and feelings a user goes through to reach a goal",
            ),
            ("wireframe", "a low-fidelity sketch of a screen's layout"),
            ("usability test", "watching real users try to complete tasks with a design"),
            ("information architecture", "the organisation and labelling of content"),
            ("affordance", "a property of an element that suggests how it can be used"),
        ),
    ),
    CourseSpec(
        instructor=4,
        category="3d-and-animation",
        title="Blender 3D for Beginners",
        subtitle="Model, texture, light and render your first 3D scenes in Blender, the free and "
        "open-source 3D suite.",
        subject="3D modelling",
        project="your low-poly room scene",
        blurb="Blender can do almost everything the expensive 3D tools do, for free. This course "
        "gets you past the intimidating interface and into modelling, materials, lighting and "
        "rendering, one small project at a time.",
        level="beginner",
        price="29.99/79.99",
        popularity=0.8,
        outcomes=(
            "Navigate Blender's interface with confidence",
            "Model objects with edit mode and modifiers",
            "Create materials and apply textures",
            "Light and render scenes with Eevee and Cycles",
            "Animate simple objects with keyframes",
        ),
        requirements=(
            "A computer with a dedicated or recent integrated graphics card",
            "Blender 4 installed (it's free)",
        ),
        audience=("Beginners curious about 3D art", "Game developers who need their own assets"),
        tags=("blender", "3d modelling", "rendering", "animation"),
        curriculum="""
Getting comfortable | The interface; Navigating the viewport; Objects and transforms
Modelling | Edit mode basics; Extrude, inset and loop cuts; Modifiers; Modelling the room
Materials and lighting | Shader basics; UV unwrapping; Lights and shadows; Eevee versus Cycles
Animation and output | Keyframes; The graph editor; Rendering your final image
""",
        terms=(
            ("mesh", "a 3D object made of vertices, edges and faces"),
            (
                "modifier",
                "a non-destructive operation applied to an object, like a bevel or mirror",
            ),
            ("UV unwrapping", "flattening a 3D surface so a 2D texture can be mapped onto it"),
            ("keyframe", "a marker that stores a property's value at a specific frame"),
            ("render engine", "the software that turns the scene into a final image"),
            ("topology", "the arrangement of vertices and edges in a mesh"),
        ),
    ),
    CourseSpec(
        instructor=6,
        category="digital-marketing",
        title="Digital Marketing Strategy",
        subtitle="Plan and run campaigns across search, social, email and ads, and measure what "
        "actually drives revenue.",
        subject="digital marketing",
        project="your 90-day marketing plan",
        blurb="Digital marketing has too many channels and too much jargon. This course gives "
        "you a clear framework to choose the right channels, plan campaigns around customer "
        "needs and measure results honestly.",
        level="beginner",
        price="24.99/99.99",
        popularity=1.2,
        outcomes=(
            "Define target audiences and positioning",
            "Choose the right mix of channels for a business",
            "Plan campaigns across search, social and email",
            "Set up analytics and track conversions",
            "Build and present a 90-day marketing plan",
        ),
        requirements=(
            "No marketing experience needed",
            "Access to a website or social account helps",
        ),
        audience=(
            "Small-business owners doing their own marketing",
            "Career changers entering marketing",
        ),
        tags=("digital marketing", "marketing strategy", "analytics", "advertising"),
        curriculum="""
Strategy first | What digital marketing is; Knowing your customer; Positioning and messaging
Channels | Search marketing; Social media; Email marketing; Paid advertising
Measurement | Setting goals and KPIs; Setting up analytics; Attribution basics
Planning | Budgeting; Writing your 90-day plan; Presenting results
""",
        terms=(
            ("conversion rate", "the share of visitors who complete a desired action"),
            ("KPI", "a key performance indicator that tracks progress toward a goal"),
            ("customer persona", "a profile of a typical customer based on research"),
            ("attribution", "assigning credit for a conversion to the channels that contributed"),
            ("funnel", "the stages a customer moves through from awareness to purchase"),
            ("retargeting", "showing ads to people who have already visited your site"),
        ),
    ),
    CourseSpec(
        instructor=6,
        category="search-engine-optimization",
        title="SEO That Works",
        subtitle="Keyword research, on-page optimisation, technical SEO and link building: grow "
        "organic traffic without tricks.",
        subject="SEO",
        project="your SEO audit",
        blurb="Search engines reward sites that answer people's questions well and are easy to "
        "crawl. You learn a no-nonsense SEO process and apply it in a full audit of a real "
        "website.",
        level="intermediate",
        price="29.99/89.99",
        popularity=1.0,
        outcomes=(
            "Find keywords with real search intent",
            "Optimise pages, titles and internal links",
            "Fix technical issues that block crawling and indexing",
            "Earn links through useful content and outreach",
            "Measure SEO results with Search Console",
        ),
        requirements=(
            "A website you can edit, or one you can audit",
            "Basic familiarity with how websites work",
        ),
        audience=("Marketers responsible for organic traffic", "Bloggers and site owners"),
        tags=("seo", "content marketing", "google search", "keyword research"),
        curriculum="""
How search works | Crawling, indexing and ranking; Search intent; SEO myths
Keyword research | Finding keyword ideas; Judging difficulty and value; Mapping keywords to pages
On-page SEO | Titles and meta descriptions; Content that ranks; Internal linking
Technical SEO | Site speed; Structured data; Sitemaps and robots.txt; Fixing crawl errors
Authority and measurement | Link building; Search Console; Your SEO audit
""",
        terms=(
            ("search intent", "the underlying goal behind a search query"),
            ("backlink", "a link from another website to yours"),
            ("meta description", "a short summary of a page shown in search results"),
            ("crawl budget", "how many pages a search engine will crawl on a site in a given time"),
            ("structured data", "markup that helps search engines understand a page's content"),
            ("canonical URL", "the preferred address of a page that has duplicates"),
        ),
    ),
    CourseSpec(
        instructor=6,
        category="social-media-marketing",
        title="Social Media Marketing for Small Brands",
        subtitle="Grow an engaged audience on Instagram, TikTok and LinkedIn with a realistic "
        "content plan and a tiny budget.",
        subject="social media marketing",
        project="your one-month content calendar",
        blurb="You don't need a big team to do social media well. This course shows small brands "
        "how to choose platforms, plan content people want to share and turn followers into "
        "customers.",
        level="beginner",
        price="9.99/39.99",
        popularity=0.9,
        outcomes=(
            "Choose the right platforms for your audience",
            "Plan a month of content in a few hours",
            "Create engaging posts and short videos with a phone",
            "Grow an engaged community",
            "Measure what works and double down",
        ),
        requirements=("A smartphone", "A business or personal brand to practise with"),
        audience=(
            "Small-business owners and solo creators",
            "Junior marketers handling social media",
        ),
        tags=("social media", "instagram", "tiktok", "content creation"),
        curriculum="""
Foundations | Choosing your platforms; Defining your brand voice; Content pillars
Creating content | Photos that stop the scroll; Short-form video; Writing captions
Growing | Posting schedules; Engaging your community; Collaborations and influencers
Results | Social analytics; Small-budget ads; Planning your content calendar
""",
        terms=(
            ("engagement rate", "interactions divided by reach or followers"),
            ("content pillar", "a core theme a brand posts about regularly"),
            ("reach", "the number of unique people who saw a piece of content"),
            ("user-generated content", "content created by customers rather than the brand"),
            ("hook", "the first seconds of a video that make people keep watching"),
            ("algorithm", "the system that decides which posts each user sees"),
        ),
    ),
    CourseSpec(
        instructor=6,
        category="content-marketing",
        title="Content Marketing and Copywriting",
        subtitle="Write blog posts, emails and landing pages that people read and act on, and "
        "build a content engine for your business.",
        subject="copywriting",
        project="your landing page and welcome emails",
        blurb="Words sell, teach and build trust, when they're written for the reader. This "
        "course teaches the research, structure and editing techniques behind copy that "
        "converts and content that people come back for.",
        level="all",
        price="19.99/69.99",
        popularity=0.8,
        outcomes=(
            "Research your audience's language and problems",
            "Write headlines that earn the click",
            "Structure blog posts and landing pages for readability",
            "Write email sequences that convert",
            "Edit ruthlessly and measure performance",
        ),
        requirements=(
            "Good command of written English",
            "No professional writing experience needed",
        ),
        audience=("Marketers and founders", "Freelance writers who want to earn more"),
        tags=("copywriting", "content marketing", "writing", "email marketing"),
        curriculum="""
Know your reader | Research before writing; Voice of customer; Features versus benefits
Writing | Headlines; The first paragraph; Structuring long-form content; Calls to action
Formats | Landing pages; Email sequences; Blog posts that rank
Editing and results | A self-editing checklist; A/B testing copy; Building a content calendar
""",
        terms=(
            ("call to action", "a prompt that tells the reader what to do next"),
            ("headline", "the title that decides whether people read on"),
            ("A/B test", "comparing two versions to see which performs better"),
            ("voice of customer", "the exact words customers use to describe their problems"),
            ("landing page", "a page designed for a single conversion goal"),
            ("lead magnet", "a free resource offered in exchange for an email address"),
        ),
    ),
    CourseSpec(
        instructor=4,
        category="photography",
        title="Photography Masterclass: Light, Composition, Editing",
        subtitle="Take control of your camera, understand light and composition, and edit your "
        "photos in Lightroom like a pro.",
        subject="photography",
        project="your ten-photo portfolio",
        blurb="Great photos come from understanding light and composition, not from expensive "
        "gear. You learn to use manual settings, see light, compose deliberately and finish your "
        "images in Lightroom.",
        level="beginner",
        price="34.99/109.99",
        popularity=1.4,
        outcomes=(
            "Shoot in manual mode with confidence",
            "Balance aperture, shutter speed and ISO",
            "Compose images with intention",
            "Work with natural and artificial light",
            "Edit and organise photos in Lightroom",
        ),
        requirements=(
            "Any camera with manual controls, or a recent smartphone",
            "Lightroom (a free trial works)",
        ),
        audience=(
            "Beginners with a new camera",
            "Smartphone photographers who want more control",
        ),
        tags=("photography", "lightroom", "composition", "camera"),
        curriculum="""
Your camera | How a camera sees; Shooting modes; Focus and focus modes
Exposure | Aperture; Shutter speed; ISO; Reading the histogram
Composition | The rule of thirds and beyond; Leading lines and framing; Perspective
Light | Natural light through the day; Portraits in window light; Night photography
Editing | Importing and organising; Basic adjustments; Colour grading; Building your portfolio
""",
        terms=(
            ("aperture", "the opening in the lens that controls light and depth of field"),
            ("shutter speed", "how long the sensor is exposed to light"),
            ("ISO", "the sensor's sensitivity to light"),
            ("depth of field", "the range of distance that appears sharp"),
            ("rule of thirds", "placing key elements along lines that divide the frame in thirds"),
            ("white balance", "a setting that makes neutral colours look neutral in any light"),
        ),
    ),
    CourseSpec(
        instructor=4,
        category="video-design",
        title="Video Editing with DaVinci Resolve",
        subtitle="Edit, colour-grade and mix professional videos with the free version of "
        "DaVinci Resolve, from first cut to final export.",
        subject="video editing",
        project="your three-minute mini documentary",
        blurb="DaVinci Resolve is used on feature films, and its free version is more than "
        "enough to learn on. You edit a short documentary from raw footage to a finished, "
        "colour-graded, well-mixed video.",
        level="beginner",
        price="27.99/79.99",
        popularity=0.8,
        outcomes=(
            "Organise media and edit efficiently on the timeline",
            "Use cuts, transitions and pacing to tell a story",
            "Colour-correct and grade footage",
            "Mix dialogue, music and effects",
            "Export for YouTube and social media",
        ),
        requirements=(
            "DaVinci Resolve (free) on a capable computer",
            "Some footage of your own, or the provided clips",
        ),
        audience=("YouTubers and content creators", "Beginners interested in filmmaking"),
        tags=("video editing", "davinci resolve", "colour grading", "filmmaking"),
        curriculum="""
Getting started | Project setup and media; The edit page; Basic cutting techniques
Storytelling | Pacing and rhythm; J-cuts and L-cuts; Transitions that don't distract
Colour | Colour correction basics; Using scopes; Creative grading
Sound and delivery | Cleaning up dialogue; Music and sound effects; Export settings; Finishing the documentary
""",  # noqa: E501
        terms=(
            ("timeline", "the area where clips are arranged in sequence"),
            ("J-cut", "an edit where the next clip's audio starts before its picture"),
            ("colour grading", "adjusting colour to create a mood or style"),
            ("scope", "a graph that measures brightness and colour objectively"),
            ("B-roll", "supplementary footage that supports the main story"),
            ("frame rate", "the number of frames shown per second"),
        ),
    ),
    CourseSpec(
        instructor=7,
        category="fitness",
        title="Strength Training at Home",
        subtitle="Build strength with bodyweight and minimal equipment: safe technique, smart "
        "programming and steady progress.",
        subject="strength training",
        project="your twelve-week training plan",
        blurb="You don't need a gym to get strong. This free programme teaches the fundamental "
        "movement patterns, shows you how to progress them at home and helps you build a plan "
        "you can stick to.",
        level="all",
        price="0",
        popularity=1.1,
        outcomes=(
            "Perform squats, hinges, pushes and pulls with good technique",
            "Warm up effectively and prevent injuries",
            "Progress bodyweight exercises as you get stronger",
            "Plan weekly workouts around your schedule",
            "Track progress and stay motivated",
        ),
        requirements=(
            "A few square metres of floor space",
            "A resistance band or dumbbells help but are optional",
        ),
        audience=(
            "Beginners who want to start strength training",
            "Busy people who can't get to a gym",
        ),
        tags=("fitness", "strength training", "home workout", "bodyweight"),
        curriculum="""
Getting started | Why strength matters; Safety and warming up; Assessing your starting point
Movement patterns | The squat; The hinge; Pushing; Pulling; Core stability
Programming | Sets, reps and rest; Progressive overload; Your weekly schedule
Staying consistent | Recovery and sleep; Tracking progress; Your twelve-week plan
""",
        terms=(
            ("progressive overload", "gradually increasing the demands on your muscles over time"),
            ("repetition", "one complete movement of an exercise"),
            ("hip hinge", "bending at the hips with a neutral spine, as in a deadlift"),
            ("RPE", "a rating of perceived exertion on a scale from 1 to 10"),
            ("compound exercise", "an exercise that works several joints and muscles at once"),
            ("deload", "a planned lighter week to allow recovery"),
        ),
    ),
    CourseSpec(
        instructor=7,
        category="nutrition",
        title="Nutrition Science Made Simple",
        subtitle="Understand macronutrients, read food labels and build balanced meals, based on "
        "evidence rather than fads.",
        subject="nutrition",
        project="your weekly meal plan",
        blurb="Nutrition advice is confusing and often contradictory. This course explains what "
        "the evidence actually says about energy, macronutrients and healthy eating patterns, "
        "so you can make your own informed choices.",
        level="beginner",
        price="16.99/49.99",
        popularity=0.9,
        outcomes=(
            "Understand energy balance and metabolism",
            "Know the roles of protein, carbohydrates and fats",
            "Read food labels critically",
            "Build balanced meals and snacks",
            "Spot nutrition myths and fad diets",
        ),
        requirements=("No science background needed", "Curiosity about what you eat"),
        audience=(
            "Anyone who wants to eat more healthily",
            "Fitness enthusiasts who want to fuel their training",
        ),
        tags=("nutrition", "healthy eating", "diet", "wellness"),
        curriculum="""
The basics | Energy and calories; Macronutrients; Micronutrients
Food in practice | Reading food labels; Building a balanced plate; Hydration
Special topics | Eating for exercise; Fibre and gut health; Supplements: what works
Making it last | Nutrition myths; Habits over diets; Planning your meals for the week
""",
        terms=(
            ("macronutrient", "a nutrient needed in large amounts: protein, carbohydrate or fat"),
            ("calorie", "a unit of energy provided by food"),
            ("fibre", "plant material the body cannot digest that supports gut health"),
            ("glycaemic index", "a measure of how quickly a food raises blood sugar"),
            ("micronutrient", "a vitamin or mineral needed in small amounts"),
            ("energy balance", "the relationship between calories eaten and calories used"),
        ),
    ),
    CourseSpec(
        instructor=7,
        category="yoga",
        title="Yoga for Everyday Flexibility",
        subtitle="Short, guided yoga sequences to improve flexibility, posture and calm, for "
        "complete beginners and stiff bodies.",
        subject="yoga",
        project="your fifteen-minute daily practice",
        blurb="Yoga doesn't require being flexible; it helps you become flexible. These short, "
        "carefully explained sessions build a calm, sustainable daily practice that fits into a "
        "busy life.",
        level="all",
        price="11.99/39.99",
        popularity=0.8,
        outcomes=(
            "Practise foundational poses safely",
            "Use breathing to relax and focus",
            "Improve flexibility in hips, hamstrings and shoulders",
            "Follow and design short sequences",
            "Build a consistent daily routine",
        ),
        requirements=("A yoga mat or a soft floor", "Comfortable clothes"),
        audience=("Complete beginners", "Desk workers with stiff backs and shoulders"),
        tags=("yoga", "flexibility", "mobility", "mindfulness"),
        curriculum="""
Foundations | Your first practice; Breathing basics; Alignment principles
Key poses | Standing poses; Forward folds; Hip openers; Gentle backbends
Sequences | A morning flow; A desk-break stretch; An evening wind-down
Your practice | Using props; Designing your routine; Staying consistent
""",
        terms=(
            ("asana", "a physical yoga pose"),
            ("pranayama", "breathing practices used in yoga"),
            ("vinyasa", "a flowing sequence linking breath with movement"),
            ("savasana", "the final resting pose, lying on your back"),
            ("alignment", "positioning the body so poses are practised safely"),
            ("drishti", "a focal point for the eyes during a pose"),
        ),
    ),
    CourseSpec(
        instructor=7,
        category="mental-health",
        title="Managing Stress and Anxiety",
        subtitle="Evidence-based tools from CBT and mindfulness to understand stress, calm your "
        "mind and build resilience.",
        subject="stress management",
        project="your personal resilience toolkit",
        blurb="Stress is a normal part of life, but it doesn't have to run it. This free course "
        "explains how stress works and teaches practical, evidence-based techniques for the "
        "moment and for the long term. It is educational and no substitute for professional "
        "care.",
        level="all",
        price="0",
        popularity=1.0,
        outcomes=(
            "Understand how stress and anxiety affect body and mind",
            "Use breathing and grounding techniques in the moment",
            "Challenge unhelpful thought patterns",
            "Build daily habits that support resilience",
            "Know when and how to seek professional help",
        ),
        requirements=("No prior knowledge", "A notebook for short exercises"),
        audience=(
            "Anyone who feels stressed or overwhelmed",
            "Managers who want to support their teams",
        ),
        tags=("mental health", "stress", "mindfulness", "resilience"),
        curriculum="""
Understanding stress | What stress is; Stress versus anxiety; Recognising your stress signals
In-the-moment tools | Breathing techniques; Grounding exercises; Short mindfulness practices
Thinking patterns | Cognitive distortions; Reframing thoughts; Scheduling worry time
Building resilience | Sleep and movement; Setting boundaries; Asking for help; Your resilience toolkit
""",  # noqa: E501
        terms=(
            (
                "cognitive distortion",
                "a habitual, inaccurate way of thinking that fuels negative feelings",
            ),
            ("grounding", "a technique that brings attention to the present through the senses"),
            ("mindfulness", "paying attention to the present moment without judgement"),
            ("reframing", "looking at a situation from a different, more helpful angle"),
            ("resilience", "the ability to adapt to and recover from difficulties"),
            ("fight-or-flight response", "the body's automatic reaction to perceived danger"),
        ),
    ),
    CourseSpec(
        instructor=4,
        category="music-production",
        title="Music Production in Ableton Live",
        subtitle="Produce, arrange and mix your first complete tracks in Ableton Live: beats, "
        "bass, chords, sound design and mixing.",
        subject="music production",
        project="your first finished track",
        blurb="Finishing a track is the skill most new producers lack. This course takes you "
        "through the full process in Ableton Live, from the first beat to a mixed and exported "
        "song, with techniques you can reuse.",
        level="beginner",
        price="39.99/99.99",
        popularity=0.7,
        outcomes=(
            "Navigate Ableton Live's Session and Arrangement views",
            "Program drums and write basslines and chords",
            "Design sounds with synths and samplers",
            "Arrange a full track with tension and release",
            "Mix and export a balanced track",
        ),
        requirements=(
            "Ableton Live (Intro, Standard, Suite or the free trial)",
            "Headphones or studio monitors",
        ),
        audience=(
            "Beginners who want to make electronic music",
            "Musicians who want to produce their own songs",
        ),
        tags=("music production", "ableton live", "mixing", "electronic music"),
        curriculum="""
Getting started | The Live interface; Session and Arrangement views; Recording audio and MIDI
Making music | Programming drums; Writing basslines; Chords and melodies
Sound design | Synth basics; Sampling; Effects
Finishing | Arrangement; Mixing basics; Exporting your track and next steps
""",
        terms=(
            ("MIDI", "a protocol that records notes and controls rather than audio"),
            ("EQ", "boosting or cutting ranges of frequencies"),
            ("compressor", "an effect that reduces the dynamic range of a sound"),
            ("sidechain", "using one track's signal to control an effect on another"),
            ("arrangement", "the structure of a song over time"),
            ("quantise", "snapping notes to a rhythmic grid"),
        ),
    ),
    CourseSpec(
        instructor=2,
        category="math",
        title="Statistics for Everyone",
        subtitle="A free, intuitive introduction to statistics: averages, variation, "
        "probability, sampling and testing claims.",
        subject="statistics",
        project="your survey project",
        blurb="Statistics help you make sense of numbers in the news, at work and in research. "
        "This free course builds intuition first and formulas second, with everyday examples and "
        "a small survey you design and analyse yourself.",
        level="beginner",
        price="0",
        popularity=1.0,
        outcomes=(
            "Summarise data with averages and measures of spread",
            "Read charts critically",
            "Reason about probability",
            "Understand sampling and margins of error",
            "Interpret hypothesis tests and p-values correctly",
        ),
        requirements=("Secondary-school arithmetic", "A spreadsheet program"),
        audience=(
            "Students who need a statistics refresher",
            "Professionals who read reports and research",
        ),
        tags=("statistics", "probability", "data literacy", "math"),
        curriculum="""
Describing data | Types of data; Mean, median and mode; Spread and standard deviation
Probability | Basic probability; The normal distribution; Correlation is not causation
From samples to populations | Sampling; Confidence intervals; The margin of error
Testing ideas | Hypothesis testing; p-values explained; Analysing your survey
""",
        terms=(
            ("median", "the middle value when the data are sorted"),
            ("standard deviation", "a measure of how spread out values are around the mean"),
            (
                "p-value",
                "the probability of data at least this extreme if the null hypothesis were true",
            ),
            ("sample", "a subset of a population used to draw conclusions about it"),
            ("confidence interval", "a range of plausible values for a population quantity"),
            ("correlation", "a measure of how strongly two variables move together"),
        ),
    ),
    CourseSpec(
        instructor=6,
        category="digital-marketing",
        language="es",
        title="Marketing digital desde cero",
        subtitle="Aprende a atraer clientes en internet: estrategia, redes sociales, SEO, email "
        "y publicidad con presupuestos pequeños.",
        subject="marketing digital",
        project="tu plan de marketing",
        blurb="El marketing digital no tiene por qué ser complicado. En este curso construirás "
        "paso a paso el plan de marketing de un pequeño negocio y aprenderás a medir lo que de "
        "verdad funciona.",
        level="beginner",
        price="14.99/59.99",
        popularity=0.7,
        outcomes=(
            "Definir tu cliente ideal y tu propuesta de valor",
            "Elegir los canales adecuados para tu negocio",
            "Crear contenido para redes sociales y email",
            "Lanzar campañas de publicidad con poco presupuesto",
            "Medir resultados con analítica web",
        ),
        requirements=(
            "No se necesita experiencia previa",
            "Un ordenador con conexión a internet",
        ),
        audience=(
            "Emprendedores y dueños de pequeños negocios",
            "Personas que quieren empezar a trabajar en marketing",
        ),
        tags=("marketing digital", "redes sociales", "seo", "publicidad"),
        curriculum="""
Fundamentos | Qué es el marketing digital; Tu cliente ideal; La propuesta de valor
Canales | Redes sociales; Posicionamiento en buscadores; Email marketing; Publicidad en internet
Medición | Objetivos y KPI; Analítica web; Optimizar campañas
Tu plan | El presupuesto; El calendario de acciones; Presentar el plan
""",
        terms=(
            (
                "embudo de ventas",
                "el recorrido que lleva a una persona desde conocer la marca hasta comprar",
            ),
            ("tasa de conversión", "el porcentaje de visitantes que realizan la acción deseada"),
            ("propuesta de valor", "la promesa clara del beneficio que recibe el cliente"),
            ("KPI", "un indicador clave que mide el avance hacia un objetivo"),
            ("retargeting", "mostrar anuncios a personas que ya visitaron tu web"),
            ("público objetivo", "el grupo de personas al que se dirige una campaña"),
        ),
    ),
    CourseSpec(
        instructor=6,
        category="personal-finance",
        language="es",
        title="Finanzas personales para jóvenes profesionales",
        subtitle="Un curso gratuito para organizar tu dinero: presupuesto, fondo de emergencia, "
        "deudas y primeras inversiones.",
        subject="finanzas personales",
        project="tu presupuesto mensual",
        blurb="Tu primer sueldo es el mejor momento para crear buenos hábitos financieros. En "
        "este curso gratuito aprenderás a controlar tus gastos, ahorrar sin sufrir y empezar a "
        "invertir con cabeza.",
        level="beginner",
        price="0",
        popularity=0.6,
        outcomes=(
            "Crear un presupuesto mensual realista",
            "Construir un fondo de emergencia",
            "Elegir una estrategia para pagar tus deudas",
            "Entender el interés compuesto",
            "Dar tus primeros pasos como inversor",
        ),
        requirements=("No se necesitan conocimientos previos", "Un extracto bancario reciente"),
        audience=(
            "Jóvenes con su primer empleo",
            "Cualquier persona que quiera ordenar sus finanzas",
        ),
        tags=("finanzas personales", "ahorro", "presupuesto", "inversión"),
        curriculum="""
Tu dinero hoy | Registrar tus gastos; Gastos fijos y variables; Tu primer presupuesto
Ahorro y deudas | El fondo de emergencia; Pagar deudas con estrategia; Evitar la inflación del estilo de vida
Invertir | Por qué invertir; Fondos indexados; Tu plan financiero
""",  # noqa: E501
        terms=(
            (
                "fondo de emergencia",
                "el dinero reservado para cubrir de tres a seis meses de gastos básicos",
            ),
            (
                "interés compuesto",
                "la ganancia obtenida sobre el capital y sobre los intereses anteriores",
            ),
            ("presupuesto", "un plan de cómo vas a gastar y ahorrar tus ingresos"),
            (
                "fondo indexado",
                "un fondo que replica un índice de mercado en lugar de elegir acciones",
            ),
            (
                "diversificación",
                "repartir el dinero entre muchas inversiones para reducir el riesgo",
            ),
            ("gasto variable", "un gasto que cambia de un mes a otro"),
        ),
    ),
    CourseSpec(
        instructor=4,
        category="photography",
        language="fr",
        title="Photographie : maîtriser la lumière naturelle",
        subtitle="Apprenez à lire, choisir et sculpter la lumière naturelle pour des portraits, "
        "des paysages et des photos du quotidien plus forts.",
        subject="photographie",
        project="votre série de dix photos",
        blurb="La lumière est la matière première du photographe. Dans ce cours, vous apprendrez "
        "à observer la lumière naturelle à chaque heure de la journée et à en tirer parti, avec "
        "n'importe quel appareil.",
        level="beginner",
        price="EUR 29.99/69.99",
        popularity=0.6,
        outcomes=(
            "Comprendre l'exposition : ouverture, vitesse et ISO",
            "Reconnaître les qualités de la lumière",
            "Photographier à l'heure dorée et à l'heure bleue",
            "Réaliser des portraits en lumière de fenêtre",
            "Retoucher vos images avec sobriété",
        ),
        requirements=(
            "Un appareil photo avec mode manuel ou un smartphone récent",
            "Aucune expérience requise",
        ),
        audience=("Photographes débutants", "Voyageurs et créateurs de contenu"),
        tags=("photographie", "lumière", "portrait", "paysage"),
        curriculum="""
Les bases | Comment fonctionne l'exposition; Ouverture et profondeur de champ; Vitesse et ISO
Observer la lumière | Lumière dure et lumière douce; La direction de la lumière; La température de couleur
Au fil de la journée | L'heure dorée; L'heure bleue; Photographier par temps gris
Projets | Portrait en lumière de fenêtre; Paysage au lever du soleil; Retouche et sélection
""",  # noqa: E501
        terms=(
            (
                "ouverture",
                "le diamètre du diaphragme de l'objectif, qui règle la lumière et la "
                "profondeur de champ",
            ),
            ("profondeur de champ", "la zone de l'image qui apparaît nette"),
            (
                "heure dorée",
                "la période proche du lever ou du coucher du soleil, où la lumière "
                "est chaude et rasante",
            ),
            ("lumière diffuse", "une lumière douce, sans ombres marquées"),
            (
                "balance des blancs",
                "le réglage qui rend les blancs neutres selon la source de lumière",
            ),
            ("contre-jour", "une prise de vue face à la source de lumière"),
        ),
    ),
    CourseSpec(
        instructor=3,
        category="devops",
        language="de",
        title="Docker für Einsteiger",
        subtitle="Container verstehen und produktiv nutzen: Images, Dockerfiles, Volumes, "
        "Netzwerke und Docker Compose an praktischen Beispielen.",
        subject="Docker",
        project="Ihre containerisierte Webanwendung",
        project_dative="Ihrer containerisierten Webanwendung",
        blurb="Docker vereinfacht Entwicklung und Betrieb enorm, wenn man die Grundlagen "
        "verstanden hat. In diesem Kurs containerisieren Sie Schritt für Schritt eine kleine "
        "Webanwendung mit Datenbank.",
        level="beginner",
        price="EUR 34.99/79.99",
        popularity=0.7,
        outcomes=(
            "Container und Images sicher verwalten",
            "Eigene Dockerfiles schreiben",
            "Daten mit Volumes dauerhaft speichern",
            "Mehrere Container mit Docker Compose betreiben",
            "Images schlank und sicher halten",
        ),
        requirements=(
            "Grundkenntnisse der Kommandozeile",
            "Ein Rechner mit Docker Desktop oder Docker Engine",
        ),
        audience=(
            "Entwicklerinnen und Entwickler ohne Container-Erfahrung",
            "Administratoren, die Anwendungen modern bereitstellen wollen",
        ),
        tags=("docker", "container", "devops", "compose"),
        curriculum="""
Grundlagen | Warum Container?; Docker installieren; Der erste Container
Images | Images und Layer; Ein Dockerfile schreiben; Multi-Stage-Builds
Daten und Netzwerke | Volumes; Netzwerke zwischen Containern; Umgebungsvariablen
Docker Compose | Die Datei compose.yaml; Anwendung und Datenbank starten; Tipps für den Alltag
""",
        terms=(
            ("Image", "eine unveränderliche Vorlage, aus der Container gestartet werden"),
            ("Container", "ein laufender, isolierter Prozess auf Basis eines Images"),
            ("Volume", "ein Speicherbereich, der unabhängig vom Container erhalten bleibt"),
            ("Dockerfile", "eine Textdatei mit den Anweisungen zum Bauen eines Images"),
            (
                "Layer",
                "eine Schicht eines Images, die zwischengespeichert und wiederverwendet wird",
            ),
            ("Registry", "ein Dienst, in dem Images gespeichert und verteilt werden"),
        ),
    ),
    # ------------------------------------------------ in the instructors' studios
    CourseSpec(
        instructor=0,
        category="programming-languages",
        status="in_review",
        title="Rust Fundamentals: Safe Systems Programming",
        subtitle="Ownership, borrowing, lifetimes, traits and fearless concurrency: write fast "
        "software without memory bugs.",
        subject="Rust",
        project="your command-line log analyser",
        blurb="Rust promises the speed of C with memory safety guaranteed by the compiler. This "
        "course makes the ownership model click, so the borrow checker becomes a helpful "
        "colleague instead of an obstacle.",
        level="expert",
        price="49.99/119.99",
        outcomes=(
            "Understand ownership, borrowing and lifetimes",
            "Model data with structs, enums and pattern matching",
            "Write generic code with traits",
            "Handle errors with Result and the ? operator",
            "Write safe concurrent programs",
        ),
        requirements=(
            "Experience with another programming language",
            "Rust installed with rustup",
        ),
        audience=(
            "Systems programmers coming from C or C++",
            "Developers who want to write faster, safer tools",
        ),
        tags=("rust", "systems programming", "memory safety"),
        curriculum="""
Getting started | Installing Rust and Cargo; Variables and mutability; Functions and control flow
Ownership | The ownership rules; Borrowing and references; Slices; Lifetimes
Modelling data | Structs; Enums and pattern matching; Traits and generics
Errors and concurrency | Result and the ? operator; Threads; Message passing
""",
        terms=(
            ("ownership", "Rust's rule that every value has exactly one owner that frees it"),
            ("borrowing", "accessing a value through a reference without taking ownership"),
            ("lifetime", "the scope for which a reference is valid"),
            ("trait", "a set of methods that types can implement to share behaviour"),
            ("crate", "a compilation unit and package in Rust"),
            ("borrow checker", "the compiler component that enforces the borrowing rules"),
        ),
    ),
    CourseSpec(
        instructor=4,
        category="instruments",
        status="draft",
        title="Guitar for Absolute Beginners",
        subtitle="Play your first songs in weeks: tuning, chords, strumming patterns and simple "
        "riffs, step by step.",
        subject="guitar",
        project="your first three songs",
        blurb="Learning the guitar is easier when you play real songs from the first week. This "
        "course teaches the chords, rhythms and habits that get you there without frustration.",
        level="beginner",
        price="19.99",
        outcomes=(
            "Tune your guitar and hold it comfortably",
            "Play the essential open chords",
            "Strum common rhythm patterns",
            "Change chords smoothly in time",
        ),
        requirements=("An acoustic or electric guitar", "A tuner app"),
        audience=("Complete beginners", "Returning players who never got past the basics"),
        tags=("guitar", "music", "beginners"),
        curriculum="""
First notes | The parts of the guitar; Tuning your guitar; Holding the pick
First chords | E minor and G; C and D; Changing chords smoothly
Rhythm | Your first strumming pattern; Playing along with a song
""",
        terms=(
            ("chord", "three or more notes played together"),
            ("fret", "a metal strip on the neck that marks a note position"),
            ("capo", "a clamp that raises the pitch of all strings"),
            ("strumming pattern", "a repeated rhythm of down and up strokes"),
            ("tablature", "a notation showing which string and fret to play"),
            ("barre chord", "a chord where one finger presses several strings at once"),
        ),
    ),
    CourseSpec(
        instructor=2,
        category="math",
        status="draft",
        title="Calculus I, Clearly Explained",
        subtitle="Limits, derivatives and their applications, built on intuition and plenty of "
        "worked examples.",
        subject="calculus",
        project="your problem-set notebook",
        blurb="Calculus is the mathematics of change. This course builds the ideas visually "
        "before the rules, so derivatives feel like a natural tool rather than a list of tricks.",
        level="intermediate",
        price="24.99",
        outcomes=(
            "Understand limits and continuity",
            "Differentiate functions with the core rules",
            "Apply derivatives to rates of change",
            "Solve simple optimisation problems",
        ),
        requirements=("Algebra and functions", "Patience for practice problems"),
        audience=("University students taking Calculus I", "Adults refreshing their maths"),
        tags=("calculus", "math", "derivatives"),
        curriculum="""
Limits | What a limit is; One-sided limits; Continuity
Derivatives | The derivative as a rate of change; The derivative rules; The chain rule
""",
        terms=(
            ("limit", "the value a function approaches as the input approaches a point"),
            ("derivative", "the instantaneous rate of change of a function"),
            ("continuity", "having no breaks, jumps or holes at a point"),
            ("chain rule", "the rule for differentiating a composition of functions"),
            ("integral", "the accumulated area under a curve"),
            ("tangent line", "a line that touches a curve at a point with the same slope"),
        ),
    ),
)
