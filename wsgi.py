from grants import create_app

app = create_app()
