"""Chinese resident ID card readers (SAM module, GA 467) over a serial link: codec, driver, simulator."""
