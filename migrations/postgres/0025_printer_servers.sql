-- A printer is reached through OctoPrint or through Moonraker (Klipper):
-- `connection` is manual | octoprint | moonraker, and the address column
-- names the server whichever kind it is. A Moonraker printer may have no
-- key (a server that trusts the lab's network): api_key_from is NULL then.
ALTER TABLE printers RENAME COLUMN octoprint_url TO server_url;
