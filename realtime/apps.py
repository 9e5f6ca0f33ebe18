from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = _("Echtzeit")

    def ready(self) -> None:
        from realtime import layer, signals

        signals.connect()
        # Redis outages: one warning line instead of a traceback per second.
        layer.install_log_filter()
