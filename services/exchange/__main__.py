from services.exchange.app import main

main()
