from boombust.cli.main import main

main()
