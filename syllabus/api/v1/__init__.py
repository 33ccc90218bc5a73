"""Version 1 of the JSON API, mounted at /api/v1."""

from fastapi import APIRouter

from syllabus.api.v1 import admin, auth, courses_public, mail_admin, oauth, users
from syllabus.api.v1 import analytics as analytics_api
from syllabus.api.v1 import announcements as announcements_api
from syllabus.api.v1 import catalog as catalog_api
from syllabus.api.v1 import commerce as commerce_api
from syllabus.api.v1 import community as community_api
from syllabus.api.v1 import earnings as earnings_api
from syllabus.api.v1 import learning as learning_api
from syllabus.api.v1 import live as live_api
from syllabus.api.v1 import media as media_api
from syllabus.api.v1 import messages as messages_api
from syllabus.api.v1 import notifications as notifications_api
from syllabus.api.v1 import payments as payments_api
from syllabus.api.v1 import playback as playback_api
from syllabus.api.v1 import questions as questions_api

# Any route that reads a bearer token answers 401 to a missing, forged or stale one.
api_router = APIRouter(
    prefix="/api/v1",
    responses={401: {"description": "problem+json, code not_authenticated or invalid_token"}},
)
api_router.include_router(auth.router)
api_router.include_router(oauth.router)
api_router.include_router(users.router)
api_router.include_router(admin.router)
api_router.include_router(analytics_api.admin_router)
api_router.include_router(analytics_api.router)
api_router.include_router(catalog_api.router)
api_router.include_router(courses_public.router)
api_router.include_router(learning_api.router)
api_router.include_router(live_api.router)
api_router.include_router(community_api.router)
api_router.include_router(commerce_api.router)
api_router.include_router(commerce_api.admin_router)
api_router.include_router(payments_api.router)
api_router.include_router(payments_api.admin_router)
api_router.include_router(earnings_api.router)
api_router.include_router(earnings_api.admin_router)
api_router.include_router(messages_api.router)
api_router.include_router(mail_admin.router)
api_router.include_router(notifications_api.router)
api_router.include_router(questions_api.router)
api_router.include_router(announcements_api.router)
api_router.include_router(media_api.router)
api_router.include_router(playback_api.router)
