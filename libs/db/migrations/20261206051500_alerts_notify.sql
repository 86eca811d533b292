-- The API's live alert stream: NOTIFY vigil_alerts with the id of each committed alert (delivered
-- only at commit, so a listener never sees an uncommitted alert). Installed here, by the owner that
-- applies migrations, so the API's own role needs no DDL at run time (docs/security.md); the API
-- only checks that the trigger is there (apps/api alerts-listener.ts, same function and trigger).
create or replace function vigil_notify_alert() returns trigger language plpgsql as $f$
begin
  perform pg_notify('vigil_alerts', new.id);
  return null;
end $f$;
create or replace trigger alerts_notify_api after insert on alerts for each row execute function vigil_notify_alert();
