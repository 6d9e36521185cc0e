"""The certificate tasks are queued by name (core.tasks.enqueue): the names the domain
modules send are the tasks' registered names, which stay as they were for the messages
already waiting in running systems' queues."""

from celery import current_app

from certificates import exports, queueing, tasks


def test_the_queued_names_are_the_registered_task_names():
    registered = {
        queueing.ISSUE_CERTIFICATE_TASK: tasks.issue_certificate,
        queueing.SEND_REVOCATION_NOTICE_TASK: tasks.send_revocation_notice,
        exports.RUN_EXPORT_TASK: tasks.run_export,
    }

    assert {name: task.name for name, task in registered.items()} == {
        "certificates.tasks.issue_certificate": "certificates.tasks.issue_certificate",
        "certificates.tasks.send_revocation_notice": "certificates.tasks.send_revocation_notice",
        "certificates.tasks.run_export": "certificates.tasks.run_export",
    }
    assert all(name in current_app.tasks for name in registered)


def test_the_export_is_sent_with_the_time_limits_its_task_declares():
    assert (tasks.run_export.soft_time_limit, tasks.run_export.time_limit) == (
        exports.EXPORT_SOFT_TIME_LIMIT,
        exports.EXPORT_TIME_LIMIT,
    )
    assert (exports.EXPORT_SOFT_TIME_LIMIT, exports.EXPORT_TIME_LIMIT) == (15 * 60, 16 * 60)
