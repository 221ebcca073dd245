"""The channels a notice goes out on, behind one interface: ``Channel.send(delivery)`` delivers one message
or raises ``DeliveryError(reason, retryable=…)``.

- WeCom group robot (企业微信群机器人): POST {"msgtype": "text", "text": {"content": …}} to the robot's webhook
  URL; it answers {"errcode": 0, "errmsg": "ok"}. Any other errcode is a failure; 45009 (too many messages)
  and -1 (system busy) may pass later.
- DingTalk group robot (钉钉自定义机器人): the same JSON to the webhook URL, signed when the robot has a secret:
  sign = urlencode(base64(HMAC-SHA256(secret, timestamp_ms + "\\n" + secret))), appended as
  &timestamp=…&sign=…. errcode ≠ 0 is a failure; 130101 (too fast) may pass later.
- E-mail over SMTP (django.core.mail's SMTP backend, LINLI_EMAIL_* settings), to staff with an address.
- SMS over HTTP through ``linli.core.sms.send_sms``; the delivery's id is the request id, so the gateway can
  drop a repeat after a worker died between sending and recording.
- In-app: a ``core.Notification`` for a staff member. It only writes this database, so it is *transactional*:
  the notification and the delivery's new state commit together, and it happens exactly once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import smtplib
import time
from urllib.parse import quote_plus

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse

from linli.core.models import Notification
from linli.core.outbound import DeliveryError, post_json
from linli.core.sms import send_sms, sms_configured
from linli.core.validators import normalize_phone
from linli.residents.models import Resident

from .audience import is_mobile
from .choices import DeliveryChannel
from .models import Delivery, Notice

SMTP_TIMEOUT = 10.0
NOTIFICATION_KIND = "notice"


class Channel:
    """One way of sending a notice to one recipient."""

    code: str = ""
    # True when send() only writes this database: it then runs in the transaction that records the outcome.
    transactional = False

    def available(self) -> bool:
        """Whether this deployment has configured the channel at all."""
        return True

    def send(self, delivery: Delivery) -> None:  # pragma: no cover - every channel overrides it
        raise NotImplementedError


def sms_request_id(delivery: Delivery) -> str:
    return f"notice-delivery-{delivery.pk}"


def short_text(notice: Notice) -> str:
    return f"{notice.title}：{notice.body}"


def signed_text(notice: Notice) -> str:
    return f"【{notice.title}】\n{notice.body}\n——{notice.community.name}"


class SmsChannel(Channel):
    code = DeliveryChannel.SMS

    def available(self) -> bool:
        return sms_configured()

    def send(self, delivery: Delivery) -> None:
        resident = Resident.objects.current().filter(pk=delivery.resident_id).first()
        if resident is None:
            raise DeliveryError("the resident is no longer registered here", retryable=False)
        phone = normalize_phone(resident.phone)
        if not is_mobile(phone):
            raise DeliveryError("the resident has no mobile number any more", retryable=False)
        send_sms(phone, short_text(delivery.notice), request_id=sms_request_id(delivery))


class EmailChannel(Channel):
    code = DeliveryChannel.EMAIL

    def available(self) -> bool:
        return bool(settings.LINLI_EMAIL_HOST)

    def send(self, delivery: Delivery) -> None:
        if not self.available():
            raise DeliveryError("no SMTP server is configured (LINLI_EMAIL_HOST)", retryable=False)
        user = delivery.user
        if user is None or not user.is_active or not user.email:
            raise DeliveryError("the staff member has no e-mail address any more", retryable=False)
        notice = delivery.notice
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host=settings.LINLI_EMAIL_HOST,
            port=settings.LINLI_EMAIL_PORT,
            username=settings.LINLI_EMAIL_USER or None,
            password=settings.LINLI_EMAIL_PASSWORD or None,
            use_tls=settings.LINLI_EMAIL_USE_TLS,
            timeout=SMTP_TIMEOUT,
            fail_silently=False,
        )
        domain = settings.LINLI_EMAIL_FROM.rpartition("@")[2] or "localhost"
        message = EmailMessage(
            subject=notice.title,
            body=signed_text(notice),
            from_email=settings.LINLI_EMAIL_FROM,
            to=[user.email],
            connection=connection,
            # The same id on a repeat (after a worker died mid-send) lets mail clients fold the two.
            headers={"Message-ID": f"<notice-delivery-{delivery.pk}@{domain}>"},
        )
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as exc:
            reason = f"the mail server refused the address: {_smtp_reason(exc)}"
            raise DeliveryError(reason, retryable=False) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"the mail server refused the login: {exc.smtp_code}", retryable=False
            ) from None
        except smtplib.SMTPResponseException as exc:
            # 4xx is a temporary refusal (greylisting, a full queue); 5xx is permanent.
            reason = f"SMTP {exc.smtp_code}: {_decode(exc.smtp_error)}"
            raise DeliveryError(reason, retryable=exc.smtp_code < 500) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"mail server unreachable: {exc}") from None


def _decode(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _smtp_reason(exc: smtplib.SMTPRecipientsRefused) -> str:
    return "; ".join(f"{code} {_decode(text)}" for code, text in exc.recipients.values())


class InAppChannel(Channel):
    code = DeliveryChannel.IN_APP
    transactional = True

    def send(self, delivery: Delivery) -> None:
        user = delivery.user
        if user is None or not user.is_active:
            raise DeliveryError("the staff member's account is closed", retryable=False)
        notice = delivery.notice
        Notification.objects.create(
            recipient=user,
            kind=NOTIFICATION_KIND,
            message=short_text(notice)[:300],
            url=reverse("notices:detail", args=[notice.pk]),
        )


class RobotChannel(Channel):
    """A group robot's webhook: JSON in, {"errcode", "errmsg"} out."""

    retryable_errcodes: frozenset[int] = frozenset()

    def webhook_url(self, endpoint) -> str:
        return endpoint.webhook_url

    def payload(self, notice: Notice) -> dict:
        return {"msgtype": "text", "text": {"content": signed_text(notice)}}

    def send(self, delivery: Delivery) -> None:
        endpoint = delivery.endpoint
        if endpoint is None or not endpoint.is_active:
            raise DeliveryError("the group robot was removed or switched off", retryable=False)
        reply = post_json(self.webhook_url(endpoint), self.payload(delivery.notice)).json()
        if not isinstance(reply, dict) or "errcode" not in reply:
            raise DeliveryError("the robot's answer has no errcode")
        code = reply.get("errcode")
        if code != 0:
            raise DeliveryError(
                f"errcode {code}: {str(reply.get('errmsg', ''))[:200]}",
                retryable=code in self.retryable_errcodes,
            )


class WeComChannel(RobotChannel):
    code = DeliveryChannel.WECOM
    retryable_errcodes = frozenset({-1, 45009})


class DingTalkChannel(RobotChannel):
    code = DeliveryChannel.DINGTALK
    retryable_errcodes = frozenset({-1, 130101})

    def webhook_url(self, endpoint) -> str:
        url = endpoint.webhook_url
        if not endpoint.secret:
            return url
        timestamp = str(round(time.time() * 1000))
        signature = dingtalk_sign(endpoint.secret, timestamp)
        return url + ("&" if "?" in url else "?") + f"timestamp={timestamp}&sign={signature}"


def dingtalk_sign(secret: str, timestamp: str) -> str:
    """DingTalk's robot signature: the HMAC-SHA256 of "timestamp\\nsecret" under the secret, base64, URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


CHANNELS: dict[str, Channel] = {
    c.code: c for c in (SmsChannel(), EmailChannel(), InAppChannel(), WeComChannel(), DingTalkChannel())
}


def channel_for(code: str) -> Channel:
    return CHANNELS[code]
