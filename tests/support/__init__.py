"""What the Python-driven suites share (tests/daemon and tests/python): a private
redis-server, the omega-settingsd process, a channel spy, and one wait_until.

Imported as `tests.support.<module>`: tests/pytest.ini puts the repository root on
sys.path. Fixtures are plain functions here; tests/conftest.py hands them to pytest.
"""
