"""A translated page's render time against the English one.

The staff sign-up page (the layout, a form with its labels and hints, the long time-zone list)
is asked for through the test client, English and each translation in turn by Accept-Language,
interleaved so that drift in the machine's speed touches every language alike: 20 warm-up
rounds, then 200 measured rounds. The page is the whole request, from the language's choice to
the compressed response.

Figures: i18n.render_ratio: the English page's median time divided by the slowest translated
page's median (1 when translating costs nothing; the service asks at least 0.8);
i18n.render_median_ms.<language>: each language's median.
"""

import statistics
import time

from bench.figures import Figure
from diaspora import create_app
from diaspora.config import Config
from diaspora.languages import LANGUAGES

PAGE = "/account/register/staff"
WARM_UP = 20
ROUNDS = 200


def run(database_url: str, rounds: int = ROUNDS) -> list[Figure]:
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_ENABLED=False)
    client = app.test_client()
    timings: dict[str, list[float]] = {language: [] for language in LANGUAGES}
    for round_number in range(WARM_UP + rounds):
        for language in LANGUAGES:
            started = time.perf_counter()
            response = client.get(PAGE, headers={"Accept-Language": language})
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200 or f'lang="{language}"' not in response.text:
                raise RuntimeError(f"{PAGE} in {language} answered {response.status_code}")
            if round_number >= WARM_UP:
                timings[language].append(elapsed)
    medians = {language: statistics.median(times) for language, times in timings.items()}
    slowest = max(median for language, median in medians.items() if language != "en")
    figures = [Figure("i18n.render_ratio", medians["en"] / slowest, "ratio")]
    figures += [
        Figure(f"i18n.render_median_ms.{language}", median, "ms")
        for language, median in medians.items()
    ]
    return figures
