module modelbus.test/semstreamswire

go 1.19
