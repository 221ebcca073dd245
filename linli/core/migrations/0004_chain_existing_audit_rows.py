"""Chain the audit rows written before the hash chain existed, oldest first (LG-04)."""

from django.db import migrations


def chain_existing(apps, schema_editor):
    from linli.core.audit import GENESIS, canonical, signer

    AuditEntry = apps.get_model("core", "AuditEntry")
    AuditChain = apps.get_model("core", "AuditChain")
    sign = signer()
    key_id = None
    seq, prev = 0, GENESIS
    for entry in AuditEntry.objects.order_by("at", "id").iterator(chunk_size=2000):
        key_id = key_id or sign.active_key_id()
        seq += 1
        entry.seq, entry.prev_hash, entry.key_id = seq, prev, key_id
        entry.row_hash = sign.mac(key_id, canonical(entry.__dict__))
        entry.save(update_fields=["seq", "prev_hash", "key_id", "row_hash"])
        prev = entry.row_hash
    # an empty chain's head stays unsigned (no key is needed to migrate an empty database); appends sign it
    head = AuditChain(pk=1, last_seq=seq, last_hash=prev)
    if seq:
        head.key_id = key_id
        head.mac = sign.mac(key_id, f"head|{seq}|{prev}|0|{GENESIS}".encode())
    head.save()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_audit_chain"),
    ]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
