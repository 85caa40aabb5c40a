from django.urls import path

from . import views

app_name = "orglife"

urlpatterns = [
    path("", views.home, name="home"),
    path("org/<int:org_id>/", views.org_meetings, name="org"),
    path("org/<int:org_id>/register.xlsx", views.register, name="register"),
    path("org/<int:org_id>/register.pdf", views.register_pdf, name="register_pdf"),
    path("org/<int:org_id>/missed/", views.missed, name="missed"),
    path("org/<int:org_id>/plan/", views.plan, name="plan"),
    path("org/<int:org_id>/plan-recurring/", views.plan_recurring, name="plan_recurring"),
    path("org/<int:org_id>/party-groups/", views.party_groups, name="party_groups"),
    path("meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("meetings/<int:meeting_id>/invite/", views.invite, name="invite"),
    path("meetings/<int:meeting_id>/uninvite/", views.uninvite, name="uninvite"),
    path("meetings/<int:meeting_id>/cancel/", views.cancel, name="cancel"),
    path("meetings/<int:meeting_id>/attendance/", views.mark, name="mark"),
    path("meetings/<int:meeting_id>/leave/", views.leave, name="leave"),
    path("meetings/<int:meeting_id>/minutes/", views.minutes, name="minutes"),
    path("meetings/<int:meeting_id>/minutes/sign-off/", views.sign_off, name="sign_off"),
    path("meetings/<int:meeting_id>/files/", views.add_file, name="file_add"),
    path("files/<int:file_id>/", views.meeting_file, name="file"),
    path("files/<int:file_id>/remove/", views.remove_file, name="file_remove"),
    path("leave/<int:leave_id>/decide/", views.decide_leave, name="leave_decide"),
    path("check-in/<str:token>/", views.check_in, name="check_in"),
    path("org/<int:org_id>/talks/", views.talks, name="talks"),
    path("org/<int:org_id>/talks/new/", views.talk_new, name="talk_new"),
    path("talks/<int:talk_id>/withdraw/", views.talk_withdraw, name="talk_withdraw"),
]
