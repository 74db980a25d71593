from changeorders.cli import main

main()
