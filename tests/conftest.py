"""Shared fixtures: the app on every reachable database, a client, and "signed in as role".

The functional suite runs on SQLite always, and again on PostgreSQL and MariaDB when their
servers answer (``LAWEXAM_TEST_PG``, ``LAWEXAM_TEST_MYSQL``). Each server run gets a fresh
database that the fixture creates and drops. Set ``LAWEXAM_REQUIRE_PG=1`` (CI does) to fail
instead of skipping when PostgreSQL does not answer.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient

from lawexam import create_app
from lawexam.auth.models import Category, OrgUnit, Role, UnitKind, User
from lawexam.auth.passwords import hash_password
from lawexam.extensions import db

PG_URL = os.environ.get("LAWEXAM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL_URL = os.environ.get("LAWEXAM_TEST_MYSQL", "mysql://root@127.0.0.1:3306/")
PASSWORD = "Correct-Horse-42"


def _driver_url(url: str) -> sa.engine.URL:
    parsed = sa.engine.make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername in ("mysql", "mariadb"):
        parsed = parsed.set(drivername="mysql+pymysql")
    return parsed


def _server_answers(url: sa.engine.URL) -> str | None:
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return None
    except Exception as error:  # any failure to connect means "no server here"
        return f"{url.render_as_string(hide_password=True)} does not answer ({type(error).__name__})"
    finally:
        engine.dispose()


class ServerDatabase:
    """A throw-away database on a real server."""

    def __init__(self, admin_url: sa.engine.URL) -> None:
        self.admin_url = admin_url
        self.name = f"lawexam_test_{uuid.uuid4().hex[:10]}"
        self.url = admin_url.set(database=self.name)
        self._admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def create(self) -> str:
        with self._admin.connect() as conn:
            if self.admin_url.get_backend_name() == "mysql":
                conn.exec_driver_sql(f"CREATE DATABASE {self.name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            else:
                conn.exec_driver_sql(f'CREATE DATABASE "{self.name}" ENCODING \'UTF8\' TEMPLATE template0')
        url = self.url
        if url.get_backend_name() == "mysql":
            url = url.update_query_dict({"charset": "utf8mb4"})
        return url.render_as_string(hide_password=False)

    def drop(self) -> None:
        with self._admin.connect() as conn:
            if self.admin_url.get_backend_name() == "mysql":
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {self.name}")
            else:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin.dispose()


def _backend_params() -> list[object]:
    return [pytest.param("sqlite", id="sqlite"),
            pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
            pytest.param("mariadb", id="mariadb", marks=pytest.mark.mariadb)]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: runs against a PostgreSQL server")
    config.addinivalue_line("markers", "mariadb: runs against a MariaDB/MySQL server")
    config.addinivalue_line("markers", "sqlite_only: needs no server database (runs once, on SQLite)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("sqlite_only") and "[sqlite" not in item.nodeid and "database_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason="this test runs on SQLite only"))


@pytest.fixture(scope="session", params=_backend_params())
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database for this backend, shared by the tests of one session."""
    backend = request.param
    server: ServerDatabase | None = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'lawexam-test.db'}"
    else:
        admin = _driver_url(PG_URL if backend == "postgresql" else MYSQL_URL)
        problem = _server_answers(admin)
        if problem:
            if backend == "postgresql" and os.environ.get("LAWEXAM_REQUIRE_PG") == "1":
                pytest.fail(f"PostgreSQL is required here (LAWEXAM_REQUIRE_PG=1) but {problem}")
            pytest.skip(problem)
        server = ServerDatabase(admin)
        url = server.create()
    app = _make_app(url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        from flask_migrate import upgrade

        # "heads": features developed side by side may add migrations on parallel branches.
        upgrade(revision="heads")
        db.engine.dispose()
    try:
        yield url
    finally:
        if server is not None:
            server.drop()


def _make_app(url: str, instance: Path, **extra: object) -> Flask:
    config: dict[str, object] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(instance),
        "WTF_CSRF_ENABLED": False,
        "LAWEXAM_FAST_PASSWORD_HASH": True,
        "SERVER_NAME": None,
    }
    config.update(extra)
    return create_app(config)


def _empty_all_tables() -> None:
    """Empty every table between tests, whatever the foreign keys (some tables point at each
    other, e.g. a question and its current version)."""
    tables = list(reversed(db.metadata.sorted_tables))
    dialect = db.engine.dialect.name
    db.session.commit()
    if dialect == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        db.session.commit()
        return
    switch = {"sqlite": ("PRAGMA foreign_keys=OFF", "PRAGMA foreign_keys=ON"),
              "mysql": ("SET FOREIGN_KEY_CHECKS=0", "SET FOREIGN_KEY_CHECKS=1")}[dialect]
    connection = db.session.connection()
    connection.exec_driver_sql(switch[0])
    if dialect == "sqlite":
        db.session.commit()  # the pragma only takes effect outside a transaction
        connection = db.session.connection()
        connection.exec_driver_sql(switch[0])
    for table in tables:
        db.session.execute(table.delete())
    db.session.commit()
    db.session.connection().exec_driver_sql(switch[1])
    db.session.commit()


@pytest.fixture
def app_config() -> dict[str, object]:
    """Override to change the app's configuration for one test module."""
    return {}


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, with its own ``g`` and database session,
    as in production. The test's own session is committed around it so that the request sees
    what the test wrote and the test then reads what the request wrote (MariaDB's repeatable
    read would otherwise keep showing the test an old snapshot)."""

    def open(self, *args: object, **kwargs: object):  # type: ignore[override]
        in_test_context = has_app_context()  # False in a test's worker threads
        if in_test_context:
            db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if in_test_context:
            db.session.commit()
        return response


@pytest.fixture
def app(database_url: str, tmp_path: Path, app_config: dict[str, object]) -> Iterator[Flask]:
    application = _make_app(database_url, tmp_path / "instance", **app_config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        try:
            yield application
        finally:
            db.session.rollback()
            _empty_all_tables()
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def town(app: Flask) -> dict[str, OrgUnit]:
    """A small town: the town, two villages, a community and the enforcement squad."""
    units = {"town": OrgUnit(name="测试镇", kind=UnitKind.TOWN)}
    units["east"] = OrgUnit(name="东风村", kind=UnitKind.VILLAGE, parent=units["town"])
    units["west"] = OrgUnit(name="西岭村", kind=UnitKind.VILLAGE, parent=units["town"])
    units["river"] = OrgUnit(name="河畔社区", kind=UnitKind.COMMUNITY, parent=units["town"])
    units["squad"] = OrgUnit(name="综合执法中队", kind=UnitKind.STATION, parent=units["town"])
    db.session.add_all(units.values())
    db.session.commit()
    return units


@pytest.fixture
def make_user(app: Flask, town: dict[str, OrgUnit]) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(*roles: Role, account: str | None = None, unit: str = "east", name: str | None = None,
             categories: set[Category] | None = None, must_change: bool = False, active: bool = True,
             password: str = PASSWORD) -> User:
        number = next(counter)
        user = User(account=account or f"user{number:03d}", real_name=name or f"测试用户{number}",
                    unit=town[unit], password_hash=hash_password(password),
                    must_change_password=must_change, active=active)
        user.set_categories(categories or {Category.CADRE})
        user.set_roles(set(roles) or {Role.EXAMINEE})
        db.session.add(user)
        db.session.commit()
        return user

    return make


def sign_in(client: FlaskClient, account: str, password: str = PASSWORD):
    return client.post("/login", data={"account": account, "password": password})


@pytest.fixture
def login_as(client: FlaskClient, make_user: Callable[..., User]) -> Callable[..., User]:
    """``login_as(Role.OFFICER)`` creates a person with that role and signs the client in."""

    def login(*roles: Role, **kwargs: object) -> User:
        user = make_user(*roles, **kwargs)
        response = sign_in(client, user.account)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return login
