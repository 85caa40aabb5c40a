from django.urls import path

from . import notification_views, views

app_name = "core"
urlpatterns = [
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/password/", views.password_change_view, name="password_change"),
    path("accounts/otp/", views.otp_verify_view, name="otp_verify"),
    path("accounts/otp/setup/", views.otp_setup_view, name="otp_setup"),
    path("i18n/setlang/", views.set_language_view, name="set_language"),
    path("audit/", views.audit_log_view, name="audit_log"),
    path("roles/", views.roles_view, name="roles"),
    path("roles/<int:pk>/revoke/", views.role_revoke_view, name="role_revoke"),
    path("notifications/", notification_views.inbox_view, name="notifications"),
    path("notifications/<int:pk>/", notification_views.notification_view, name="notification"),
    path("notifications/<int:pk>/read/", notification_views.notification_read_view, name="notification_read"),
    path("notifications/read-all/", notification_views.notifications_read_all_view, name="notifications_read_all"),
    path("notifications/preferences/", notification_views.notification_preferences_view,
         name="notification_preferences"),
]
