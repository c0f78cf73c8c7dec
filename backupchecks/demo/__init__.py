"""Demo data: realistic backup report mails for demos, tests and benchmarks."""

from backupchecks.demo.mailgen import PRODUCTS, default_objects, generate_mail

__all__ = ["PRODUCTS", "default_objects", "generate_mail"]
