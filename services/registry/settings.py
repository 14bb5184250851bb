"""The registry's settings: command-line options, each with its environment
variable, and what they default to."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from services.common.process import ServiceSettings, service_arguments, service_settings
from services.registry.reconciliation.policy_source import DEFAULT_POLICY

DESCRIPTION = "The shared registry: consumes the provinces' topics, answers queries and checks."


@dataclass(frozen=True, kw_only=True)
class RegistrySettings(ServiceSettings):
    db_url: str
    # The public verify page (HTTP); None: not served by this replica.
    http_listen: str | None = None
    http_rate: float = 10.0
    http_burst: int = 30
    http_max_connections: int = 1024
    # Of those, open at once from one client address (a trusted proxy's not counted).
    http_max_connections_per_client: int = 64
    # Reverse proxies (CIDR) in front of the verify page, whose
    # X-Forwarded-For the rate limit believes; none: the peer address counts.
    trusted_proxies: tuple[str, ...] = ()
    # Assessor pool policies; None: the defaults in services/registry/policy/.
    recusal_policy: Path | None = None
    inspection_policy: Path | None = None
    # Where the pool keeps draws and assignments; None: the registry's database.
    pool_db_url: str | None = None
    # Recognition policy, reloaded when the file changes (see policy_source).
    recognition_policy: Path = DEFAULT_POLICY
    # The public endpoint: TLS without client certificates, for the checks.
    public_listen: str | None = None
    # The hub's pseudonym key (YRDHUB_PSEUDONYM_SECRET takes precedence), held
    # by the registry alone; None: exchanges cannot take identities.
    pseudonym_secret_file: Path | None = None
    # Identity numbers each exchange may have pseudonymised: per second, and
    # at once (a province's roster should fit in one burst).
    pseudonym_rate: float = 20.0
    pseudonym_burst: int = 20_000
    # Catch up with the topics, then exit (a rebuild).
    rebuild_and_exit: bool = False


def parse_settings(argv: list[str] | None = None) -> RegistrySettings:
    env = os.environ.get
    p = service_arguments("yrdhub-registry", DESCRIPTION, "127.0.0.1:50050")
    p.add_argument("--db", default=env("YRDHUB_DB_URL", "sqlite:///registry.db"))
    p.add_argument("--http-listen", default=env("YRDHUB_HTTP_LISTEN"), help="serve the verify page")
    p.add_argument("--http-rate", type=float, default=10.0, help="requests/s per client address")
    p.add_argument("--http-burst", type=int, default=30)
    p.add_argument(
        "--http-max-connections",
        type=int,
        default=1024,
        help="connections the verify page keeps open at once (beyond: 503 at once)",
    )
    p.add_argument(
        "--http-max-connections-per-client",
        type=int,
        default=64,
        help="of those, open at once from one client address, an IPv6 one by its /64 "
        "(beyond: 503 and closed at once; a --trusted-proxy's are not counted)",
    )
    p.add_argument(
        "--trusted-proxy",
        action="append",
        default=[n for n in env("YRDHUB_TRUSTED_PROXIES", "").split(",") if n.strip()],
        help="a reverse proxy's network (CIDR) whose X-Forwarded-For the verify "
        "page's rate limit believes; repeat for several",
    )
    p.add_argument("--recusal-policy", type=Path, default=env("YRDHUB_RECUSAL_POLICY"))
    p.add_argument("--inspection-policy", type=Path, default=env("YRDHUB_INSPECTION_POLICY"))
    p.add_argument(
        "--pool-db",
        default=env("YRDHUB_POOL_DB_URL"),
        help="database shared by every replica serving the assessor pool (default: --db)",
    )
    p.add_argument(
        "--policy",
        type=Path,
        default=env("YRDHUB_POLICY", str(DEFAULT_POLICY)),
        help="recognition policy file (TOML), reloaded when it changes",
    )
    p.add_argument(
        "--public-listen",
        default=env("YRDHUB_PUBLIC_LISTEN"),
        help="also serve the public checks here (TLS, no client certificate needed)",
    )
    p.add_argument(
        "--pseudonym-secret-file",
        type=Path,
        default=env("YRDHUB_PSEUDONYM_SECRET_FILE"),
        help="file holding the secret assessor ids are derived with",
    )
    p.add_argument(
        "--pseudonym-rate",
        type=float,
        default=20.0,
        help="identity numbers per second each exchange may have pseudonymised",
    )
    p.add_argument(
        "--pseudonym-burst",
        type=int,
        default=20_000,
        help="identity numbers an exchange may have pseudonymised at once",
    )
    p.add_argument(
        "--rebuild-and-exit",
        action="store_true",
        help="apply the topics from the stored offsets (offset zero on a new database) "
        "until caught up with them, then exit, serving nothing (yrdhub registry rebuild)",
    )
    a = p.parse_args(argv)
    return RegistrySettings(
        **service_settings(p, a, "registry"),
        db_url=a.db,
        http_listen=a.http_listen,
        http_rate=a.http_rate,
        http_burst=a.http_burst,
        recusal_policy=a.recusal_policy,
        pool_db_url=a.pool_db,
        inspection_policy=a.inspection_policy,
        recognition_policy=a.policy,
        public_listen=a.public_listen,
        pseudonym_secret_file=a.pseudonym_secret_file,
        http_max_connections=a.http_max_connections,
        http_max_connections_per_client=a.http_max_connections_per_client,
        trusted_proxies=tuple(a.trusted_proxy),
        pseudonym_rate=a.pseudonym_rate,
        pseudonym_burst=a.pseudonym_burst,
        rebuild_and_exit=a.rebuild_and_exit,
    )
