# Sourced by scripts/test: the web console's browser tests drive the distribution's chromium through
# chromedriver. Installed here when missing (as root, with apt-get); otherwise those tests are skipped,
# unless REQUIRE_BROWSER=1 (as in CI) makes that a failure.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing chromium, chromedriver and a Chinese font for the browser tests ..." >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        chromium chromium-driver fonts-wqy-zenhei >/dev/null; } \
      || echo "could not install chromium: the browser tests will say so" >&2
  else
    echo "chromium or chromedriver is missing (install them, as root: scripts/test does): browser tests skip" >&2
  fi
fi
