"""LinkedIn RSC partner API: the client, Rest.li helpers and the documented assumptions."""
