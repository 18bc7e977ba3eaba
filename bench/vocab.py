"""The made-up organisation the benchmark loads: services, teams, people and words.

Shared by the bulk loader (`dataload.py`) and the declare load (`declare.lua` gets the
service names as arguments), so both produce incidents that look alike.
"""

from __future__ import annotations


def _split(text: str) -> list[str]:
    return text.split()


# (name, criticality tier, owning team); 10 services over 8 teams.
SERVICES: tuple[tuple[str, str, str], ...] = (
    ("checkout", "mission_critical", "payments"),
    ("payments-api", "mission_critical", "payments"),
    ("login", "business_critical", "identity"),
    ("search", "business_critical", "discovery"),
    ("catalog", "business_operational", "discovery"),
    ("notifications", "business_operational", "messaging"),
    ("reporting", "administrative", "data"),
    ("warehouse-sync", "business_operational", "logistics"),
    ("admin-portal", "administrative", "platform"),
    ("edge-proxy", "mission_critical", "network"),
)
TEAMS: tuple[str, ...] = tuple(dict.fromkeys(team for _, _, team in SERVICES))
REPORTERS: tuple[str, ...] = tuple(
    f"{first}.{last}"
    for first, last in zip(
        _split(
            "ana ben chen dana eli fatima gus hana ivan jules kofi lena milo nora omar priya "
            "quinn rosa sam tara umar vera wen xavi yara zoe alma bruno cleo dev emma finn "
            "gia hugo iris jon kai lior mara nico olga pablo rhea saul tess ugo vik wyn yuki "
            "zane"
        ),
        _split(
            "silva okafor li moreau katz haddad berg sato petrov costa mensah wolf ruiz "
            "lind haddad nair fox diaz ito rao khan stone ng puig aziz berg ross moss ortiz "
            "blake hahn vega cruz frey kim mayer adler holm bauer novak perez lee sharma "
            "roth park ueda koch lund hart gray"
        ),
        strict=True,
    )
)
TYPES = ("performance", "access", "data", "security", "feature", "infrastructure")
TYPE_WEIGHTS = (30, 15, 15, 5, 20, 15)
LABELS = ("customer-reported", "regression", "deploy", "third-party", "on-call", "eu", "us")

# Ordered roughly by how often an incident report uses them: the loader draws words with
# Zipf-like weights by position, so early words match many incidents and late ones few.
WORDS: tuple[str, ...] = tuple(
    dict.fromkeys(
        _split(
            """
    error timeout slow failed users requests latency service down api database connection
    customers page response high unavailable login checkout payment degraded cache queue
    memory cpu disk network deploy release rollback config certificate dns proxy gateway
    cluster node pod container kubernetes upstream downstream retry retries spike increase
    errors failing intermittent outage partial region eu us replica primary failover lag
    replication backup restore index query queries lock deadlock pool exhausted threads
    worker workers job jobs batch cron scheduler webhook callback token session cookie
    password reset mfa sso oauth saml permission denied forbidden unauthorized account
    locked email sms push notification delivery delayed duplicate missing corrupt sync
    import export report dashboard chart metrics alert alerts monitoring logs logging trace
    tracing sampling storage bucket object upload download file files image images cdn edge
    cached stale invalidation purge header headers redirect loop ssl tls handshake expired
    renewal vendor partner provider integration sdk mobile ios android browser chrome safari
    firefox search results ranking relevance catalog product products inventory stock order
    orders cart shipping warehouse tracking label invoice billing refund charge charged twice
    currency tax price pricing discount coupon promotion banner homepage signup onboarding
    profile settings preferences language locale timezone calendar holiday weekend nightly
    hourly daily migration schema column table constraint violation foreign key null value
    overflow underflow crash crashed restart restarted oom killed evicted throttled rate
    limit limited quota exceeded capacity autoscaling scale scaled instance instances
    terraform ansible pipeline build broken flaky test tests staging production canary
    feature flag toggle experiment variant cohort segment analytics tracking pixel consent
    gdpr privacy audit compliance breach suspicious attack ddos bot scraping fraud phishing
    malware vulnerability patch cve scan firewall vpn bastion ssh key rotation secret
    vault leaked exposure incident postmortem customer support ticket escalation sla
    breach window maintenance planned unplanned emergency hotfix workaround mitigation
    root cause identified monitoring resolved verified confirmed unclear unknown
    investigating suspected possibly likely since after before during morning evening
    night peak traffic load balancer health check probe readiness liveness heartbeat
    kafka rabbitmq redis postgres mysql elasticsearch mongodb s3 lambda cloudfront nginx
    envoy istio grpc graphql rest websocket socket stream streaming consumer producer
    offset partition topic broker zookeeper etcd consul leader election split brain quorum
    """
        )
    )
)
RARE_WORDS: tuple[str, ...] = ("zeppelin", "quasar", "obsidian", "kraken", "marmalade")
"""Each lands in roughly one incident in 20,000: the most selective search terms."""
