from django.apps import AppConfig


class WilmaConfig(AppConfig):
    name = "wilma"
    verbose_name = "WILMA"
