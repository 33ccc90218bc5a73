from syllabus.cli import main

main()
