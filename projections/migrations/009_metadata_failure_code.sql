-- A failed device's text failure code, as a Director's update report
-- gives it ("INSTALL_FAILED"): Campaigner's failed-installations list
-- shows it. Records written before this column have '' until a rebuild.
ALTER TABLE campaign_device_metadata
    ADD COLUMN failure_code text NOT NULL DEFAULT ''; -- text failure code of the latest state change; '' when it had none

---- create above / drop below ----

ALTER TABLE campaign_device_metadata DROP COLUMN failure_code;
