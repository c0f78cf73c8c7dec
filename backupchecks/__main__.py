from backupchecks.cli import main

main()
