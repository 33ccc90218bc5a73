"""Categories, courses, curriculum, quizzes, pricing, review workflow and public pages."""
